-- One row per person (face track) of a succeeded job, written with its result. `data` is the
-- JSON Person; `rank` orders people by time on screen (0 = longest); the frame range bounds the
-- scan for one person's timeline.
CREATE TABLE people (
    job_id      TEXT COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    person      BIGINT NOT NULL,
    rank        BIGINT NOT NULL,
    first_frame BIGINT NOT NULL,
    last_frame  BIGINT NOT NULL,
    data        JSONB NOT NULL,
    PRIMARY KEY (job_id, person)
);
