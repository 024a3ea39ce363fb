"""The arcollect.xlam add-in: its text sources (customUI.xml, Ribbon.bas) and the builder that packs them."""
