"""The coordinator's report: data (`model`), JSON (`json_report`), HTML and text (`html_report`),
trend chart (`chart`), files on disk and preview (`archive`)."""
