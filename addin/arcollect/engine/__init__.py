"""The collections engine: pure, vectorised functions over pandas/numpy. No I/O, no clock, no Excel.

    from arcollect.engine import aging, terms, interest, metrics, calendar, fx

Every function takes scalars or whole columns (numpy arrays, lists, pandas Series) and returns the same shape.
"""
