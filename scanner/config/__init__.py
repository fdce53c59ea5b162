"""The configuration folder: the registry of approved accounts (`registry.yaml`, or the spreadsheet
`registre.xlsx`) and `settings.yaml`."""
