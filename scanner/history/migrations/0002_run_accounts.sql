-- Vigie history, version 2: the registry accounts of each night (JSON list of ids), so that a
-- registry that suddenly loses more than half of them retires nothing that night. Pruned with
-- the night's results (`history.keep_nights`): NULL beyond the retention window.
ALTER TABLE runs ADD COLUMN accounts TEXT;
