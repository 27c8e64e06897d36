"""Valid and invalid TypeScript / TSX, each with the verdict TypeScript's own parser gives: afc's parse
(`edits/typescript.load`) must agree on every one (tests/unit/test_typescript.py), and so must TypeScript
(tests/test_parse_parity.py), so the table cannot drift from the real parser."""

from __future__ import annotations

PAGE = """export default function Home() {
  const ready = true && !false;
  return (
    <main>
      <p>Tom & Jerry, R&D &amp; friends &#169; &#x1F600; &unknown; & more</p>
      <a href="https://example.com/?utm_source=a&utm_medium=b&x=1" title='a & b'>
        Learn &rarr;
      </a>
      {ready && <span>{"a < b"} {`c & d`}</span>}
    </main>
  );
}
"""

# (name, path, text, whether TypeScript's parser accepts it)
CASES: list[tuple[str, str, str, bool]] = [
    ("ampersands in jsx text and attributes", "app/page.tsx", PAGE, True),
    ("an ampersand ending the jsx text", "a.tsx", "const a = <p>Q&</p>;\n", True),
    ("ampersands in a jsx file", "a.jsx", "export const A = () => <b>A & B</b>;\n", True),
    ("and-operators beside jsx", "a.tsx", "let x = 1;\nx &= 2;\nconst y = x & 3 && <i>x & y</i>;\n", True),
    ("an intersection type in tsx", "a.tsx", "type A = { a: 1 } & { b: 2 };\nconst f = <T,>(x: T) => x;\n", True),
    ("an ampersand in a comment and a string", "a.tsx", '// a & b\nconst s = "a & b";\n', True),
    ("an angle-bracket cast in .ts", "a.ts", "declare const b: unknown;\nconst a = <string>b;\n", True),
    ("an angle-bracket cast in .tsx", "a.tsx", "declare const b: unknown;\nconst a = <string>b;\n", False),
    ("a > in jsx text", "a.tsx", "const a = <p>x > y</p>;\n", False),
    ("a } in jsx text", "a.tsx", "const a = <p>a } b</p>;\n", False),
    ("a missing expression beside an ampersand", "a.tsx", "const a = <p>a & b</p>;\nconst b = ;\n", False),
    ("a missing expression in .ts", "a.ts", "export async function POST() {\n  const x = ;\n}\n", False),
]
