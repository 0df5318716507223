using LinqToDB;

namespace Overlay.Hosting.Storage;

/// <summary>Which database holds the registry's journal and snapshots.</summary>
public enum StorageProvider
{
    /// <summary>An embedded SQLite file: zero set-up, one registry host.</summary>
    Sqlite,
    /// <summary>PostgreSQL: shared by several registry hosts, survives the loss of one.</summary>
    Postgres,
}

/// <summary>The registry's storage: provider and ADO.NET connection string.</summary>
public sealed record StorageSettings(StorageProvider Provider, string ConnectionString)
{
    /// <summary>The SQLite file under <paramref name="dataDir"/> (created if missing).</summary>
    public static StorageSettings SqliteIn(string dataDir)
    {
        Directory.CreateDirectory(dataDir);
        var path = Path.GetFullPath(Path.Combine(dataDir, "overlay-registry.db"));
        return new StorageSettings(StorageProvider.Sqlite, $"Data Source={path};Pooling=True");
    }

    /// <summary>linq2db's provider name: SQLite through Microsoft.Data.Sqlite, or PostgreSQL 15 dialect.</summary>
    public string Linq2DbProviderName => Provider switch
    {
        StorageProvider.Sqlite => ProviderName.SQLiteMS,
        StorageProvider.Postgres => ProviderName.PostgreSQL15,
        _ => throw new ArgumentOutOfRangeException(nameof(Provider), Provider, null),
    };

    /// <summary>
    /// One-time preparation before the journal opens the database: SQLite gets write-ahead logging
    /// (journal and snapshot store write the same file; WAL stops them blocking each other's
    /// reads) and fails with a clear message when the file cannot be opened.
    /// </summary>
    public void Prepare()
    {
        if (Provider != StorageProvider.Sqlite)
            return;
        try
        {
            using var connection = new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL;";
            command.ExecuteNonQuery();
        }
        catch (Microsoft.Data.Sqlite.SqliteException ex)
        {
            throw new InvalidOperationException($"failed to open SQLite database {ConnectionString}: {ex.Message}", ex);
        }
    }

    /// <summary>The connection string with any password masked, for logs and check-config.</summary>
    public string Redacted => Redact(ConnectionString);

    /// <summary><paramref name="connectionString"/> with any password masked (how --db shows).</summary>
    public static string Redact(string connectionString) =>
        System.Text.RegularExpressions.Regex.Replace(connectionString, "(?i)(password|pwd)=[^;]*", "$1=***");
}
