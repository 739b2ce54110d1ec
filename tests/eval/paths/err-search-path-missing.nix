<nonexistent-search-path-entry>
