-- Vigie history, version 5: the thumbnail of a post's picture with faces (issue 16, « À vérifier »).
-- A post with faces waits in the history until the school's next notice carries it (often a later
-- night: the next first notice or reminder, or the weekly digest day), so its thumbnail (a JPEG of
-- at most 240 px, a few kilobytes) waits with it. The night keeps at most a few per school
-- (`scanner.notices.thumbnails.NOTICE_THUMBNAILS`); the notice that carries the post stores its
-- own copy in its message bytes, and the column is cleared then (`mark_reviewed`).
ALTER TABLE posts ADD COLUMN thumbnail BLOB;
