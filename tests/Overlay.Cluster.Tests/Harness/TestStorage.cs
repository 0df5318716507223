using Npgsql;
using Overlay.Hosting.Storage;

namespace Overlay.Cluster.Tests.Harness;

/// <summary>Storage for registry tests: a fresh SQLite file, or a fresh PostgreSQL database on
/// the server named by OVERLAY_TEST_POSTGRES (scripts/test.sh starts one). Outside CI a missing
/// server skips the test; with CI=true it fails it.</summary>
public static class TestStorage
{
    /// <summary>A SQLite file in a new temp directory.</summary>
    public static StorageSettings NewSqlite() =>
        StorageSettings.SqliteIn(Path.Combine(Path.GetTempPath(), "overlay-test-" + Guid.NewGuid().ToString("N")));

    /// <summary>The admin connection string, or null (with the skip reason) when none is configured.</summary>
    public static string? PostgresAdmin(out string reason)
    {
        var connection = Environment.GetEnvironmentVariable("OVERLAY_TEST_POSTGRES");
        reason = "OVERLAY_TEST_POSTGRES is not set (scripts/test.sh sets it after starting PostgreSQL)";
        if (string.IsNullOrEmpty(connection) && Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but OVERLAY_TEST_POSTGRES is not set: the PostgreSQL tests must run in CI");
        return string.IsNullOrEmpty(connection) ? null : connection;
    }

    /// <summary>Creates an empty database and returns storage settings for it.</summary>
    public static async Task<StorageSettings> NewPostgresAsync(string admin)
    {
        var name = "overlay_test_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return new StorageSettings(StorageProvider.Postgres, builder.ConnectionString);
    }
}
