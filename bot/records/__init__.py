"""Records out: FHIR R4 bundles, CSV files and the clinic report, read from storage.

`dataset` reads what Stride holds into plain records once; `fhir`, `tables` and `report`
are functions of those records (and content), so they are tested without a database.
"""
