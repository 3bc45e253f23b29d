-- One row per person (face track) of a succeeded job, written with its result. `data` is the
-- JSON Person; `rank` orders people by time on screen (0 = longest); the frame range bounds the
-- scan for one person's timeline.
CREATE TABLE people (
    job_id      TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    person      INTEGER NOT NULL,
    rank        INTEGER NOT NULL,
    first_frame INTEGER NOT NULL,
    last_frame  INTEGER NOT NULL,
    data        TEXT NOT NULL,
    PRIMARY KEY (job_id, person)
);
