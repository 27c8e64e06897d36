from afc_realtime.writes import naming


def test_events_come_from_the_table_and_two_tables_never_share_one():
    assert naming.resources({"todos", "userProfiles", "Post", "categories", "status"}) == {
        "todos": "todo",
        "userProfiles": "user-profile",
        "Post": "post",
        "categories": "category",
        "status": "status",
    }
    names = naming.resources({"todo", "todos", "user_profiles", "userProfiles"})
    assert len(set(names.values())) == 4 and names["todos"] == "todos" and names["todo"] == "todo"
    assert naming.event("user-profile", "created") == "user-profile-created"


def test_the_url_a_route_file_answers():
    assert naming.route_url("apps/web/src/app/api/todos/route.ts") == "/api/todos"
    assert naming.route_url("apps/web/app/(admin)/api/todos/[id]/route.ts") == "/api/todos/[id]"
    # an app named `app` (apps/app): the URL starts at the last `app/` folder
    assert naming.route_url("apps/app/src/app/api/todos/route.ts") == "/api/todos"
    assert naming.serves("apps/web/src/app/api/todos/[id]/route.ts", "/api/todos")
    assert not naming.serves("apps/web/src/app/api/todos-archive/route.ts", "/api/todos")


# -- Boundaries (issue 20 item 5): two tables never share an event, so each rule of `singular` and `kebab`
# is met on both sides.
import pytest  # noqa: E402


@pytest.mark.parametrize(
    ("word", "one"),
    [
        ("categories", "category"),
        ("ies", "ie"),  # too short to be `-ies`: only its `s` goes
        ("pies", "py"),
        ("addresses", "address"),
        ("wishes", "wish"),
        ("matches", "match"),
        ("boxes", "box"),
        ("posts", "post"),
        ("status", "status"),
        ("class", "class"),
        ("analysis", "analysis"),
        ("sessions", "session"),
        ("data", "data"),
        ("sesses", "sess"),
    ],
)
def test_singular(word, one):
    assert naming.singular(word) == one


@pytest.mark.parametrize(
    ("name", "kebab"),
    [
        ("userProfiles", "user-profiles"),
        ("user_profiles", "user-profiles"),
        ("v2Items", "v2-items"),
        ("item2", "item2"),
        ("2fa_codes", "r-2fa-codes"),
        ("__x__", "x"),
        ("Post", "post"),
    ],
)
def test_kebab(name, kebab):
    assert naming.kebab(name) == kebab


def test_three_tables_wanting_one_name_are_numbered():
    assert naming.resources({"todo", "todos", "Todo"}) == {"Todo": "todo", "todo": "todo-2", "todos": "todos"}
    assert naming.resources({"a_b", "aB", "ab"}) == {"aB": "a-b", "a_b": "a-b-2", "ab": "ab"}
    # three spellings of one name (a Prisma model, a Drizzle export, its SQL name): the numbers count up
    assert naming.resources({"user_profiles", "userProfiles", "UserProfiles"}) == {
        "UserProfiles": "user-profiles",
        "userProfiles": "user-profiles-2",
        "user_profiles": "user-profiles-3",
    }


@pytest.mark.parametrize(
    ("route", "url"),
    [
        ("apps/web/app/(shop)/api/x/route.ts", "/api/x"),
        ("apps/web/app/(shop/api/x/route.ts", "/(shop/api/x"),
        ("apps/web/app/shop)/api/x/route.ts", "/shop)/api/x"),
        ("apps/web/app/a@b/api/x/route.ts", "/a@b/api/x"),
        ("apps/web/app/@modal/x/route.ts", "/x"),
        ("app/route.ts", "/"),
        ("apps/web/pages/api/x.ts", None),
    ],
)
def test_route_url_leaves_out_groups_and_slots_only(route, url):
    assert naming.route_url(route) == url
