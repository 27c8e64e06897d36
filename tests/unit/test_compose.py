import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from afc_realtime.edits import compose
from afc_realtime.edits.insertion import Insertion
from afc_realtime.edits.result import Edit, Level, Skip
from afc_realtime.errors import BadInput
from tests.support.roundtrip import round_trip

BODY = {"build": {"context": "./apps/ws"}, "ports": ['"4001:4001"'], "restart": "unless-stopped"}


def test_service_is_added_after_the_last_one_in_the_files_indentation():
    text = (
        'services:\n    db:\n        image: pg\n        ports:\n            - "5432:5432"\n'
        "\n# volumes\nvolumes:\n    data:\n"
    )
    round_trip(
        compose,
        text,
        compose.add_service("compose.yml", text, "ws", BODY),
        after=(
            'services:\n    db:\n        image: pg\n        ports:\n            - "5432:5432"\n'
            "    ws:\n        build:\n            context: ./apps/ws\n"
            '        ports:\n            - "4001:4001"\n        restart: unless-stopped\n'
            "\n# volumes\nvolumes:\n    data:\n"
        ),
    )


def test_an_existing_service_of_that_name_means_nothing_to_do():
    assert compose.add_service("compose.yml", "services:\n  ws:\n    image: x\n", "ws", BODY).empty


def test_flow_style_services_are_skipped_with_a_reason():
    result = compose.add_service("compose.yml", "services: {}\n", "ws", BODY)
    assert isinstance(result, Skip) and result.path == "compose.yml" and "block-style" in result.reason


def test_malformed_yaml_names_file_and_line():
    with pytest.raises(BadInput) as info:
        compose.add_service("compose.dev.yml", "services:\n  db:\n    image: [x\n  other: 1\n", "ws", BODY)
    assert info.value.path == "compose.dev.yml" and info.value.line is not None


_name = st.from_regex(r"[a-v][a-z]{0,6}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_name, min_size=1, max_size=4, unique=True),
    st.sampled_from([2, 4]),
    st.booleans(),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_add_then_remove_is_byte_exact_and_keeps_the_data(names, unit, seq_inside, newline, blank_between):
    pad = " " * unit
    seq = pad if seq_inside else ""
    blocks = [f'{pad}{n}:\n{pad * 2}image: {n}:1\n{pad * 2}ports:\n{pad * 2}{seq}- "80"\n' for n in names]
    text = "services:\n" + ("\n" if blank_between else "").join(blocks) + "# end\n"
    text = text.replace("\n", newline)
    new = round_trip(compose, text, compose.add_service("compose.yml", text, "ws", BODY))
    data = compose.load(new, "compose.yml")
    assert list(data["services"])[-1] == "ws" and data["services"]["ws"]["ports"] == ["4001:4001"]


def test_a_service_written_by_hand_is_cut_with_its_lines():
    text = "services:\n  db:\n    image: pg\n  ws:\n    build: ./apps/ws\n    ports:\n      - 4001:4001\nvolumes: {}\n"
    [cut] = compose.remove_service("compose.yml", text, "ws").cuts
    assert text[: cut.start] + text[cut.end :] == "services:\n  db:\n    image: pg\nvolumes: {}\n"
    assert compose.remove_service("compose.yml", text, "redis").empty


def test_the_services_networks_are_found_in_either_form():
    text = (
        "services:\n  db:\n    networks: [app]\n  web:\n    networks:\n      app:\n      edge:\n"
        "  host:\n    network_mode: host\n  ws:\n    networks: [other]\n"
    )
    assert compose.shared_networks(text, "compose.yml", "ws") == ["app", "edge"]
    mixed = "services:\n  db:\n    networks: [app]\n  cache:\n    image: redis\n"
    assert compose.shared_networks(mixed, "compose.yml", "ws") == ["app", "default"]
    assert compose.shared_networks("services:\n  db:\n    image: pg\n", "compose.yml", "ws") == []


def test_the_env_files_containers_read_are_resolved_from_the_compose_folder():
    text = (
        "services:\n  db:\n    env_file: .env.docker\n  web:\n    env_file:\n      - ./apps/web/.env\n"
        "      - path: .env.local\n        required: false\n      - ${SECRET_FILE}\n"
    )
    assert compose.env_files_used(text, "compose.yml") == [".env.docker", "apps/web/.env", ".env.local"]
    assert compose.env_files_used("services:\n  a:\n    env_file: ../.env\n", "docker/compose.yml") == [".env"]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ('packages:\n  - "apps/*"\n  - "packages/*"\n', 'packages:\n  - "apps/*"\n  - "packages/*"\n  - "apps/ws"\n'),
        ("packages:\n- apps/web\n# comment\n", "packages:\n- apps/web\n- apps/ws\n# comment\n"),
        ("packages:\r\n  - 'apps/web'\r\n", "packages:\r\n  - 'apps/web'\r\n  - 'apps/ws'\r\n"),
        ("onlyBuiltDependencies:\n  - esbuild\n", "onlyBuiltDependencies:\n  - esbuild\npackages:\n  - apps/ws\n"),
        ("packages:\n  - apps/web", "packages:\n  - apps/web\n  - apps/ws\n"),
    ],
)
def test_a_workspace_list_gets_the_service_and_gives_it_back(before, after):
    round_trip(
        compose, before, compose.add_list_item("pnpm-workspace.yaml", before, "packages", "apps/ws", "w"), after=after
    )


def test_a_flow_style_workspace_list_is_named_in_a_warning():
    result = compose.add_list_item("pnpm-workspace.yaml", 'packages: ["apps/*"]\n', "packages", "apps/ws", "w")
    assert isinstance(result, Skip) and result.path == "pnpm-workspace.yaml" and result.level == "warn"


def test_a_service_with_networks_round_trips():
    text = "services:\n  db:\n    image: pg\n    networks: [app]\nnetworks:\n  app: {}\n"
    body = {**BODY, "networks": ["app"]}
    new = round_trip(compose, text, compose.add_service("compose.yml", text, "ws", body))
    assert list(compose.load(new, "compose.yml")["services"]["ws"]["networks"]) == ["app"]


def _removed(text, name="ws"):
    edit = compose.remove_service("compose.yml", text, name)
    [cut] = edit.cuts
    assert edit.path == "compose.yml" and edit.subject == name and cut.what == f"compose service {name}"
    return text[: cut.start] + text[cut.end :], edit.line


def test_remove_service_takes_its_lines_with_blank_and_comment_lines_inside_and_says_where():
    text = "services:\n  ws:\n    image: x\n\n    # inside\n    ports:\n      - 1\n  db:\n    image: pg\n"
    assert _removed(text) == ("services:\n  db:\n    image: pg\n", 2)
    last = "services:\n  db:\n    image: pg\n  ws:\n    image: x\n"
    assert _removed(last) == ("services:\n  db:\n    image: pg\n", 4)
    one_line = "services:\n  ws:\n  db:\n    image: pg\n"
    assert _removed(one_line) == ("services:\n  db:\n    image: pg\n", 2)
    trailing_blank = "services:\n  ws:\n    image: x\n\nvolumes: {}\n"
    assert _removed(trailing_blank) == ("services:\n\nvolumes: {}\n", 2)
    deeper_next = "services:\n  ws:\n    image: x\n  db:\n    image: pg\n"
    assert _removed(deeper_next)[0] == "services:\n  db:\n    image: pg\n"


def test_remove_service_without_services_or_that_service_is_nothing():
    assert compose.remove_service("c.yml", "", "ws") == compose.remove_service("c.yml", "", "ws")
    edit = compose.remove_service("c.yml", "x: 1\n", "ws")
    assert edit.empty and edit.path == "c.yml"
    with pytest.raises(BadInput) as info:
        compose.remove_service("c.yml", "services: [\n", "ws")
    assert info.value.path == "c.yml"


def test_add_service_says_where_and_what_exactly():
    text = "services:\n  db:\n    image: pg\n\n  cache:\n    image: redis\n    ports:\n      - 1\nvolumes: {}\n"
    edit = compose.add_service("c.yml", text, "ws", {"image": "ws"})
    assert isinstance(edit, type(compose.remove_service("c.yml", text, "db")))
    assert edit.path == "c.yml" and edit.subject == "ws" and edit.line == 9
    [ins] = edit.insertions
    assert (
        ins.text == "\n  ws:\n    image: ws\n"
        and ins.offset == text.index("volumes")
        and ins.what == "compose service ws"
    )
    assert compose.add_service("c.yml", text, "db", {"image": "x"}).insertions == ()
    assert compose.add_service("c.yml", "services: {}\n", "ws", {}) == Skip(
        "c.yml", "no block-style `services:` mapping to add to"
    )


def test_add_service_without_a_final_newline_and_with_comments_inside():
    text = "services:\n   db:\n      image: pg\n      # note\n\n      ports:\n         - 1"
    edit = compose.add_service("c.yml", text, "ws", {"ports": ['"2"']})
    new = round_trip(compose, text, edit)
    assert new.endswith('- 1\n   ws:\n      ports:\n         - "2"\n') and edit.line == 8


def test_compose_errors_name_file_and_line_and_a_bom_is_read():
    with pytest.raises(BadInput) as info:
        compose.load("a: 1\nb: [\n", "c.yml")
    assert info.value.path == "c.yml" and info.value.line == 3 and info.value.message.startswith("malformed YAML: ")
    with pytest.raises(BadInput) as info:
        compose.load("a: 1\n  b: 2\n", "c.yml")
    assert info.value.line == 2
    assert compose.load("\ufeffservices:\n  db:\n    image: pg\n", "c.yml")["services"]["db"]["image"] == "pg"
    with pytest.raises(BadInput) as info:
        compose.services_of("- a\n- b\n", "c.yml")
    assert info.value.message == "a compose file should be a mapping at the top" and info.value.line == 1
    assert compose.services_of("", "c.yml") is None and compose.services_of("x: 1\n", "c.yml") is None


def _item(text):
    return compose.add_list_item("pnpm-workspace.yaml", text, "packages", "apps/ws", "workspace apps/ws")


@pytest.mark.parametrize(
    "text, offset, inserted, line",
    [
        ("", 0, "packages:\n  - apps/ws\n", 1),
        ("a: 1", 4, "\npackages:\n  - apps/ws\n", 1),
        ("a: 1\r\n", 6, "packages:\r\n  - apps/ws\r\n", 2),
        ("packages:\r\n  - 'apps/*'\r\n", 25, "  - 'apps/ws'\r\n", 3),
        ('packages:\n    - "apps/*"\n    - packages/*', 41, '\n    - "apps/ws"\n', 3),
        ("# c\npackages:\n- apps/*\n\nonlyBuilt:\n  - x\n", 23, "- apps/ws\n", 4),
    ],
)
def test_add_list_item_exactly(text, offset, inserted, line):
    edit = _item(text)
    assert edit == Edit(
        "pnpm-workspace.yaml", (Insertion(offset, inserted, "workspace apps/ws"),), line=line, subject="packages"
    )


@pytest.mark.parametrize(
    "text, line",
    [("packages: [a, b]\n", 1), ("packages: []\n", 1), ("x: 1\npackages: x\n", 2), ("x: 1\npackages:\n", 2)],
)
def test_a_workspace_list_afc_cannot_add_to_is_a_warning_naming_its_line(text, line):
    reason = "`packages` is not a block list afc can add to; add apps/ws to it by hand"
    assert _item(text) == Skip("pnpm-workspace.yaml", reason, line, level=Level.WARN)


def test_a_workspace_file_that_is_not_a_mapping_is_left_alone():
    assert _item("- a\n") == Skip("pnpm-workspace.yaml", "not a mapping at the top; add it by hand", 1)


def test_items_line_is_the_keys_line_or_none():
    data = compose.load("a: 1\n\npackages:\n  - x\n", "p.yaml")
    assert compose.items_line(data, "packages") == 3
    assert compose.items_line(data, "nope") is None
    assert compose.items_line({"packages": 1}, "packages") is None


def test_checked_refuses_an_insertion_that_changes_other_content():
    text = "packages:\n  - apps/web\n"
    with pytest.raises(BadInput) as raised:
        compose._checked("p.yaml", text, "packages", "apps/ws", Insertion(len(text), "  - apps/ws\nx: 1\n", "w"))
    assert raised.value.message == "could not add apps/ws to `packages` without changing other content; add it by hand"
    assert raised.value.path == "p.yaml"
    with pytest.raises(BadInput):
        compose._checked("p.yaml", text, "packages", "apps/ws", Insertion(len(text), "  - apps/wx\n", "w"))
    edit = compose._checked("p.yaml", text, "packages", "apps/ws", Insertion(len(text), "  - apps/ws\n", "w"))
    assert edit == Edit("p.yaml", (Insertion(len(text), "  - apps/ws\n", "w"),), line=3, subject="packages")
    assert compose._checked("p.yaml", "", "packages", "a", Insertion(0, "packages:\n  - a\n", "w")).line == 1


LAYOUT_BODY = {"image": "ws", "ports": ['"4001:4001"'], "environment": {"A": "1"}}
SERVICE = '  ws:\n    image: ws\n    ports:\n      - "4001:4001"\n    environment:\n      A: 1\n'


@pytest.mark.parametrize(
    "text, offset, inserted, line",
    [
        # a service with no body shows no indent unit: two spaces
        ("services:\n    db:\n", 18, SERVICE.replace("\n", "\n  ").removesuffix("  ").replace("  ws", "    ws", 1), 3),
        ("services:\n\n  db:\n    image: x\n", 30, SERVICE, 5),  # a blank line above the only service: no blank
        ("services:\n  db:\n    image: x\n  # tail\nvolumes:\n  v:\n", 29, SERVICE, 4),  # before a comment at its col
        ("services:\n  db:\n    ports:\n    - 1\n", 35, SERVICE.replace('      - "', '    - "'), 5),  # `-` at its key
        ("services:\n  a:\n    image: x\n\n  b:\n    image: y\n", 47, "\n" + SERVICE, 7),  # blank lines between
    ],
)
def test_add_service_lays_out_like_the_file_exactly(text, offset, inserted, line):
    edit = compose.add_service("c.yml", text, "ws", LAYOUT_BODY)
    assert edit == Edit("c.yml", (Insertion(offset, inserted, "compose service ws"),), line=line, subject="ws")


def test_add_service_when_it_is_there_is_an_empty_edit_of_that_file():
    assert compose.add_service("c.yml", "services:\n  ws:\n    image: x\n", "ws", LAYOUT_BODY) == Edit("c.yml")


def test_compose_errors_carry_the_file():
    with pytest.raises(BadInput) as raised:
        compose.services_of("- a\n", "c.yml")
    assert (raised.value.path, raised.value.line) == ("c.yml", 1)
    with pytest.raises(BadInput) as raised:
        compose.load("a: [1\n", "c.yml")
    assert (
        raised.value.path == "c.yml" and raised.value.line == 2 and raised.value.message.startswith("malformed YAML:")
    )
    with pytest.raises(BadInput) as raised:
        compose._verify("services:\n  a:\n    image: x\n", "c.yml", "ws", Insertion(0, "x: 1\n", "x"))
    assert raised.value.path == "c.yml"
    assert raised.value.message == "could not add service ws without changing other content; add it by hand"


def test_shared_networks_exactly():
    text = (
        "services:\n  a:\n    networks: [n1]\n  b:\n    image: x\n  c:\n    network_mode: host\n"
        "  ws:\n    networks: [z]\n  d:\n    networks:\n      n2: {}\n      n1: {}\n"
    )
    assert compose.shared_networks(text, "c.yml", "ws") == ["n1", "n2", "default"]
    assert compose.shared_networks(text.replace("  b:\n    image: x\n", ""), "c.yml", "ws") == ["n1", "n2"]
    both = "services:\n  a:\n    networks: [default, n1]\n  b:\n    image: x\n"
    assert compose.shared_networks(both, "c.yml", "ws") == ["default", "n1"]
    assert compose.shared_networks("services:\n  a:\n    image: x\n", "c.yml", "ws") == []


def test_env_files_used_exactly():
    text = (
        "services:\n  a:\n    env_file: .env\n"
        "  b:\n    env_file: [./x/.env.b, $HOME/e, /abs/e, ../../up, .env]\n"
        "  c:\n    env_file:\n      - path: .env.c\n        required: false\n"
        "  d: 5\n  e:\n    env_file: .env.e\n"
    )
    assert compose.env_files_used(text, "docker/compose.yml") == [
        "docker/.env",
        "docker/x/.env.b",
        "docker/.env.c",
        "docker/.env.e",
    ]
    assert compose.env_files_used("services:\n  a:\n    env_file: ../.env\n", "docker/compose.yml") == [".env"]


def _error(call, *args):
    with pytest.raises(BadInput) as info:
        call(*args)
    return info.value.message, info.value.path, info.value.line


def test_malformed_yaml_is_reported_with_its_problem_path_and_line():
    # the problem ("expected ...") is the message, not its context ("while parsing a flow mapping")
    assert _error(compose.load, "a: {b: 1\n", "compose.yml") == (
        "malformed YAML: expected ',' or '}', but got '<stream end>'",
        "compose.yml",
        2,
    )


def test_an_unreadable_character_is_reported_with_the_readers_message_and_path():
    assert _error(compose.load, "a: \x07\n", "compose.yml") == (
        "malformed YAML: unacceptable character #x0007: special characters are not allowed"
        '\n  in "<unicode string>", position 3',
        "compose.yml",
        None,
    )


MALFORMED = ("services: [\n", "deploy/compose.yml")
MALFORMED_ERROR = ("malformed YAML: expected the node content, but found '<stream end>'", "deploy/compose.yml", 2)


def test_each_reader_names_the_malformed_file():
    text, path = MALFORMED
    assert _error(compose.env_files_used, text, path) == MALFORMED_ERROR
    assert _error(compose.shared_networks, text, path, "ws") == MALFORMED_ERROR
    assert _error(compose.add_list_item, path, text, "packages", "apps/ws", "workspace") == MALFORMED_ERROR


def test_a_service_that_would_break_the_yaml_is_refused_naming_the_file():
    text = "services:\n  a:\n    image: x\n"
    assert _error(compose.add_service, "compose.yml", text, "ws", {"command": "[unclosed"}) == (
        "malformed YAML: expected ',' or ']', but got '<stream end>'",
        "compose.yml",
        6,
    )


def test_a_service_that_would_add_other_content_too_is_refused_naming_the_file():
    text = "services:\n  a:\n    image: x\n"
    assert _error(compose.add_service, "compose.yml", text, "ws", {"image": "x\nother: 1"}) == (
        "could not add service ws without changing other content; add it by hand",
        "compose.yml",
        None,
    )


def test_a_list_item_that_would_break_the_yaml_is_refused_naming_the_file():
    text = "packages:\n  - a\n"
    assert _error(compose.add_list_item, "pnpm-workspace.yaml", text, "packages", "[x", "workspace") == (
        "malformed YAML: expected ',' or ']', but got '<stream end>'",
        "pnpm-workspace.yaml",
        4,
    )


def test_the_blank_line_between_services_is_kept_when_the_file_has_no_final_newline():
    text = "services:\n  a:\n    image: x\n\n  b:\n    image: y"
    edit = compose.add_service("compose.yml", text, "ws", {"image": "z"})
    assert edit.insertions[0].text == "\n\n  ws:\n    image: z\n"


@pytest.mark.parametrize(
    "text",
    [
        "services:\n  a:\n\n      image: x\n",  # a blank line before the first service's first key
        "services:\n  a:\n# a comment at column 0\n      image: x\n  b:\n      image: y\n",
        "services:\n  a:\n      environment:\n        X: 1\n",  # the first key's line, not the one after
    ],
)
def test_the_child_indent_is_read_from_the_first_services_first_key(text):
    edit = compose.add_service("compose.yml", text, "ws", {"image": "z"})
    assert edit.insertions[0].text == "  ws:\n      image: z\n"


def test_a_first_service_with_no_body_gives_the_default_indent():
    text = "services:\n  a:\nvolumes: {}\n"
    edit = compose.add_service("compose.yml", text, "ws", {"image": "z"})
    assert edit.insertions[0].text == "  ws:\n    image: z\n"


def test_a_skipped_env_file_entry_does_not_hide_the_next_one():
    text = "services:\n  a:\n    env_file:\n      - /abs/.env\n      - ${X}.env\n      - .env.a\n"
    assert compose.env_files_used(text, "deploy/compose.yml") == ["deploy/.env.a"]


@pytest.mark.filterwarnings("ignore::ruamel.yaml.error.ReusedAnchorWarning")
def test_the_check_compares_data_not_key_order():
    # the new service re-anchors `a` with its keys in another order, so the top-level merge that follows
    # yields the same data in another order: the same content, so the service is added
    text = "x-a: &a {p: 1, q: 2}\nservices:\n  s:\n    image: i\n<<: *a\n"
    edit = compose.add_service("compose.yml", text, "ws", {"labels": "&a {q: 2, p: 1}"})
    assert edit.insertions[0].text == "  ws:\n    labels: &a {q: 2, p: 1}\n"


def _refusal(text: str) -> BadInput:
    with pytest.raises(BadInput) as info:
        compose.load(text, "compose.yml")
    return info.value


def test_alias_expansion_is_bounded_on_both_sides_of_the_limit():
    from afc_realtime.edits.compose import MAX_NODES

    def fan(levels: int, width: int) -> str:
        lines = ["x0: &a0 [" + ", ".join(["v"] * width) + "]"]
        lines += [f"x{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
        return "\n".join(lines) + "\n"

    assert compose.load(fan(4, 10), "compose.yml")["x3"][9][9][9][9] == "v"  # about 11,000 nodes
    error = _refusal(fan(5, 10))  # about 111,000
    assert (
        error.line == 5
        and error.message == f"its aliases expand to more than {MAX_NODES:,} nodes; afc refuses to read it"
    )


def test_nesting_is_bounded_in_flow_and_block_style():
    from afc_realtime.edits.compose import MAX_DEPTH

    assert compose.load("a: " + "[" * 150 + "]" * 150 + "\n", "compose.yml") is not None
    assert _refusal("a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n").line == 1
    # brackets in quotes and comments are not nesting
    quoted = "a: '" + "[" * 300 + "'\nb: \"" + "{" * 300 + '" # ' + "[" * 300 + "\n"
    assert compose.load(quoted, "compose.yml")["a"] == "[" * 300
    block = "".join("  " * i + f"k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v: 1\n"
    assert _refusal(block).message == f"nested more than {MAX_DEPTH} deep; afc refuses to read it"


def test_a_duplicate_key_is_named_with_its_line_and_never_its_values():
    error = _refusal("services:\n  db:\n    environment:\n      PW: first-s3cret\n      PW: second-s3cret\n")
    assert (error.message, error.line) == ("duplicate key PW", 5)
    assert "s3cret" not in str(error)


def test_loads_are_shared_and_never_changed_by_an_edit():
    """A run loads the same compose file several times, served from memory; adding a service checks its work
    on copies, so what the next caller loads is still the file's own data."""
    text = "services:\n  db:\n    image: postgres:16\n"
    assert compose.load(text, "compose.yml") is compose.load(text, "compose.yml")
    first = compose.add_service("compose.yml", text, "ws", {"build": {"context": "apps/ws"}})
    again = compose.add_service("compose.yml", text, "ws", {"build": {"context": "apps/ws"}})
    assert first.insertions == again.insertions and first.insertions
    assert list(compose.load(text, "compose.yml")["services"]) == ["db"]
    after_text = text + "  ws:\n    build:\n      context: apps/ws\n"
    assert list(compose.load(after_text, "compose.yml")["services"]) == ["db", "ws"]


# -- the web app's container told where the service is ----------------------------------------------

URL = ("WS_INTERNAL_URL", "http://ws:4001")


@pytest.mark.parametrize(
    ("text", "after"),
    [
        (  # no environment yet: one at the end of the service, laid out like its keys
            "services:\n  web:\n    build: ./apps/web\n    ports:\n      - 3000:3000\n  db:\n    image: pg\n",
            "services:\n  web:\n    build: ./apps/web\n    ports:\n      - 3000:3000\n"
            "    environment:\n      WS_INTERNAL_URL: http://ws:4001\n  db:\n    image: pg\n",
        ),
        (  # a mapping: after its last entry, before a trailing comment of the service
            "services:\n    web:\n        build: apps/web\n        environment:\n            A: b\n        # end\n",
            "services:\n    web:\n        build: apps/web\n        environment:\n            A: b\n"
            "            WS_INTERNAL_URL: http://ws:4001\n        # end\n",
        ),
        (  # a list of KEY=value, CRLF and no final newline
            "services:\r\n  web:\r\n    build: apps/web\r\n    environment:\r\n    - A=b",
            "services:\r\n  web:\r\n    build: apps/web\r\n    environment:\r\n    - A=b\r\n"
            "    - WS_INTERNAL_URL=http://ws:4001\r\n",
        ),
    ],
)
def test_the_web_service_gets_the_internal_url_in_its_environment_and_gives_it_back(text, after):
    round_trip(compose, text, compose.add_environment("compose.yml", text, "web", *URL), after=after)


def test_an_environment_that_names_it_already_or_that_afc_cannot_add_to_is_left():
    there = "services:\n  web:\n    build: .\n    environment:\n      - WS_INTERNAL_URL=http://other:1\n"
    assert compose.add_environment("compose.yml", there, "web", *URL).empty
    flow = "services:\n  web:\n    build: .\n    environment: {A: b}\n"
    skipped = compose.add_environment("compose.yml", flow, "web", *URL)
    assert isinstance(skipped, Skip) and skipped.line == 4 and skipped.level == Level.WARN
    assert "WS_INTERNAL_URL: http://ws:4001 by hand" in skipped.reason


@pytest.mark.parametrize(
    ("build", "folder", "found"),
    [
        ("./apps/web", "apps/web", True),
        ("\n      context: .\n      dockerfile: apps/web/Dockerfile", "apps/web", True),
        ("\n      context: ./apps/web", "apps/web", True),
        (".", ".", True),  # a single app built from the root
        ("./apps/api", "apps/web", False),
        (".", "apps/web", False),  # the root's own Dockerfile is not the web app's
        ("${WEB_CONTEXT}", "apps/web", False),
    ],
)
def test_the_services_built_from_the_web_app_are_found_by_their_build(build, folder, found):
    text = f"services:\n  app:\n    build: {build}\n  db:\n    image: pg\n"
    assert compose.services_building(text, "compose.yml", folder) == (["app"] if found else [])
    # from a compose file in a subfolder, the context is resolved from there
    assert compose.services_building("services:\n  w:\n    build: ../web\n", "docker/compose.yml", "web") == ["w"]
