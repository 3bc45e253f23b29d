-- JSON columns become JSONB: checked on the way in, and queryable. SQLite keeps TEXT.
ALTER TABLE jobs
    ALTER COLUMN options TYPE JSONB USING options::jsonb,
    ALTER COLUMN video TYPE JSONB USING video::jsonb,
    ALTER COLUMN summary TYPE JSONB USING summary::jsonb,
    ALTER COLUMN warnings DROP DEFAULT,
    ALTER COLUMN warnings TYPE JSONB USING warnings::jsonb,
    ALTER COLUMN warnings SET DEFAULT '[]'::jsonb;
ALTER TABLE frames ALTER COLUMN faces TYPE JSONB USING faces::jsonb;
ALTER TABLE reports
    ALTER COLUMN inputs TYPE JSONB USING inputs::jsonb,
    ALTER COLUMN usage TYPE JSONB USING usage::jsonb;
