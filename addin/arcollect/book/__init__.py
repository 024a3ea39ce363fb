"""The workbook as data: the schema of every sheet, reading, writing and the settings."""
