"""Write sites as data. Recognisers (one module per framework: `approuter`, `actions`, `pagesapi`, `trpc`)
find the functions where an app writes; the ORM reader (`orm`) finds each write in them and yields one
`Write` record; the recipe names its event and picks its audience from that record, and `inserter` writes
the one line."""
