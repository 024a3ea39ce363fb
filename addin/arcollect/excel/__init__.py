"""Excel-side of arcollect: cell functions, ribbon entry points and the add-in builder."""
