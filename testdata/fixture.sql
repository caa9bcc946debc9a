-- A small, fixed dataset for the end-to-end tests. IDs follow insertion order in a fresh database.
INSERT INTO users (handle, email, display_name, role, is_demo) VALUES
    ('alice', 'alice@example.com', 'Alice Author', 'author', true),
    ('bob', 'bob@example.com', 'Bob Builder', 'author', true),
    ('carol', 'carol@example.com', 'Carol Reader', 'reader', true),
    ('erin', 'erin@example.com', 'Erin Editor', 'editor', true),
    ('mia', 'mia@example.com', 'Mia Member', 'member', true),
    ('dora', 'dora@example.com', 'Dora Drafter', 'author', true),
    ('adam', 'adam@example.com', 'Adam Admin', 'admin', true);

INSERT INTO topics (slug, name, description) VALUES
    ('go', 'Go', 'The Go programming language.'),
    ('cooking', 'Cooking', 'Food and recipes.'),
    ('travel', 'Travel', 'Places and journeys.'),
    ('music', 'Music', 'Sound, songs and instruments.');

-- 60 published public items: post-1 … post-60, one hour apart, alternating between alice and
-- bob, except that dora wrote the four oldest and the newest (so her newest five items reach
-- past any page of the newest items).
INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at, created_at)
SELECT 'post-' || n,
       CASE WHEN n IN (1, 2, 3, 4, 60) THEN 6 WHEN n % 2 = 1 THEN 1 ELSE 2 END,
       'Post ' || lpad(n::text, 2, '0'),
       'Summary of post ' || n || '.',
       'Body of post ' || n || '.',
       (ARRAY['article', 'video', 'podcast', 'link'])[1 + n % 4],
       CASE WHEN n % 5 = 0 THEN 'fr' ELSE 'en' END,
       'published', 'public',
       timestamptz '2026-01-01 00:00:00+00' + n * interval '1 hour',
       timestamptz '2025-12-01 00:00:00+00' + n * interval '1 hour'
FROM generate_series(1, 60) AS n;

INSERT INTO content_topics (content_id, topic_id, position)
SELECT n, 1 + n % 4, 0 FROM generate_series(1, 60) AS n;
INSERT INTO content_topics (content_id, topic_id, position)
SELECT n, 1 + (n + 1) % 4, 1 FROM generate_series(1, 60) AS n WHERE n % 3 = 0;

-- Items only some viewers may see, and one nobody may see.
INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at, created_at, deleted_at) VALUES
    ('alice-draft', 1, 'Alice draft', 'Not yet.', 'Draft body.', 'article', 'en', 'draft', 'public', NULL, '2026-02-01', NULL),
    ('alice-private', 1, 'Alice private', 'Just for me.', 'Private body.', 'article', 'en', 'published', 'private', '2026-02-02', '2026-02-01', NULL),
    ('members-only', 2, 'Members only', 'A teaser for everyone.', 'The members-only body.', 'article', 'en', 'published', 'members', '2026-02-03', '2026-02-01', NULL),
    ('bob-scheduled', 2, 'Bob scheduled', 'Coming soon.', 'Scheduled body.', 'video', 'en', 'scheduled', 'public', '2030-01-01', '2026-02-01', NULL),
    ('bob-deleted', 2, 'Bob deleted', 'Gone.', 'Deleted body.', 'article', 'en', 'published', 'public', '2026-02-04', '2026-02-01', '2026-02-05');
INSERT INTO content_topics (content_id, topic_id, position) VALUES (61, 1, 0), (62, 1, 0), (63, 1, 0), (64, 1, 0), (65, 1, 0);
