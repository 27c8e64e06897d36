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
