from afc_realtime.audience import Reach, decide
from afc_realtime.datamodel import DataModel, Table


def model(*tables: Table) -> DataModel:
    return DataModel({t.name: t for t in tables}, sources=["schema.ts"])


USERS = Table("users", ("id", "email", "passwordHash"))
TEAMS = Table("teams", ("id", "name"))
NOTES = Table("notes", ("id", "userId", "body"), {"userId": "users"})
DOCS = Table("docs", ("id", "teamId", "authorId", "body"), {"teamId": "teams", "authorId": "users"})
TODOS = Table("todos", ("id", "title"))


def test_rows_with_credentials_are_never_sent():
    audience = decide("users", model(USERS, NOTES))
    assert audience.reach is Reach.NEVER and "passwordHash" in audience.reason and not audience.sent


def test_an_owned_row_goes_to_its_owners_channel():
    audience = decide("notes", model(USERS, NOTES))
    assert audience.reach is Reach.PRIVATE and audience.label() == "user:<userId>"
    assert audience.expression("note", '"') == "`user:${note.userId}`"


def test_a_row_with_several_owners_goes_to_each():
    audience = decide("docs", model(USERS, TEAMS, DOCS))
    assert audience.expression("doc", '"') == "[`team:${doc.teamId}`, `user:${doc.authorId}`]"


def test_a_tenant_row_goes_to_its_own_channel():
    audience = decide("teams", model(TEAMS, DOCS, USERS))
    assert audience.reach is Reach.PRIVATE and audience.expression("team", '"') == "`team:${team.id}`"


def test_a_row_tied_to_no_one_is_public_and_says_so():
    audience = decide("todos", model(TODOS, USERS))
    assert audience.reach is Reach.PUBLIC and audience.expression("todo", "'") == "'public'"
    assert "tied to no user or team" in audience.reason


def test_what_afc_cannot_tell_is_not_sent():
    unknown_table = decide("widgets", model(TODOS))
    assert unknown_table.reach is Reach.UNKNOWN and "`widgets` is not in the schema" in unknown_table.reason
    no_schema = decide("todos", DataModel())
    assert no_schema.reach is Reach.UNKNOWN and "none found" in no_schema.reason
    unplaced_owner = decide("posts", model(Table("posts", ("id", "createdBy"))))
    assert unplaced_owner.reach is Reach.UNKNOWN and "createdBy" in unplaced_owner.reason


def test_an_owner_column_without_a_declared_reference_is_matched_by_name():
    posts = Table("posts", ("id", "userId"))
    assert decide("posts", model(posts, Table("users", ("id", "email")))).label() == "user:<userId>"


def test_a_child_of_a_private_row_is_not_sent():
    comments = Table("comments", ("id", "noteId", "text"), {"noteId": "notes"})
    audience = decide("comments", model(USERS, NOTES, comments))
    assert audience.reach is Reach.UNKNOWN and "`notes`" in audience.reason
    replies = Table("replies", ("id", "todoId"), {"todoId": "todos"})
    assert decide("replies", model(TODOS, replies)).reach is Reach.PUBLIC
