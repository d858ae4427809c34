-- The leader (issue 11): the one node that runs the maintenance services. One row, held for a term that its node
-- extends every LeaderElectInterval (PostgresLeaderElection); once expires_at has passed, any node may take over.
-- UNLOGGED: the row is not worth a WAL record per extension, and after a crash of the database it is simply gone
-- and the nodes elect again.
CREATE UNLOGGED TABLE leader (
    name       text PRIMARY KEY DEFAULT 'default' CHECK (name = 'default'),
    node_id    text NOT NULL CHECK (char_length(node_id) BETWEEN 1 AND 255),
    elected_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
);
