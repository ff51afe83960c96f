-- Whether the public page shows invented demo entries (published sites or public construction projects marked
-- illustrative): only then does it say so at the top, and asks search engines not to index it.
SELECT EXISTS (SELECT 1 FROM core.public_sites WHERE provenance = 'illustrative')
       OR EXISTS (SELECT 1 FROM core.public_construction_projects WHERE provenance = 'illustrative')
