"""Downloads for officials: the index table (CSV, XLSX) and the unit report (PDF).

Every download is a function of the session and a selection that writes to a binary file object
(or yields bytes), so the command line and a web route share it. Raw responses are downloaded by
hailong.responses.exporting, whose ResponseFilter holds the filters.
"""
