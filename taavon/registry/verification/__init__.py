"""Member verification as a workflow: the cooperative's officer asks, the provincial office
verifies or refuses each member with the person's data in front of it, and both see the result."""
