"""The page side, as data: one strategy a data layer (a `useState` list, SWR, TanStack Query, tRPC, a Server
Component), each finding what a page reads and inserting the one line that follows its events."""
