using System.Data.Common;
using Npgsql;
using Overlay.Actors.Leases;
using Overlay.Hosting.Storage;

namespace Overlay.Bench.ControlPlane;

/// <summary>A throw-away registry database: a SQLite file in a new temp directory, or a new
/// database on the PostgreSQL server named by an admin connection string. Delete removes it.</summary>
public sealed record BenchStorage(StorageSettings Settings, string? TempDir, string? AdminConnection, string? Database)
{
    /// <summary>Creates the storage: kind "sqlite" or "postgres" (needs <paramref name="admin"/>).</summary>
    public static async Task<BenchStorage> CreateAsync(string kind, string? admin)
    {
        if (kind == "sqlite")
        {
            var dir = Path.Combine(Path.GetTempPath(), "overlay-bench-recovery-" + Guid.NewGuid().ToString("N"));
            return new BenchStorage(StorageSettings.SqliteIn(dir), dir, null, null);
        }
        if (kind != "postgres")
            throw new ArgumentException($"--storage: expected sqlite or postgres: '{kind}'");
        if (string.IsNullOrEmpty(admin))
            throw new ArgumentException("--storage postgres needs --postgres <admin connection string> or OVERLAY_TEST_POSTGRES");
        var name = "overlay_bench_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var settings = new StorageSettings(StorageProvider.Postgres,
            new NpgsqlConnectionStringBuilder(admin) { Database = name }.ConnectionString);
        return new BenchStorage(settings, null, admin, name);
    }

    /// <summary>The highest sequence number of a saved registry snapshot, or 0.</summary>
    public async Task<long> LatestSnapshotAsync()
    {
        await using DbConnection connection = Settings.Provider == StorageProvider.Sqlite
            ? new Microsoft.Data.Sqlite.SqliteConnection(Settings.ConnectionString)
            : new NpgsqlConnection(Settings.ConnectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText =
            $"SELECT COALESCE(MAX(sequence_number), 0) FROM snapshot WHERE persistence_id = '{LeaseRegistryActor.RegistryPersistenceId}'";
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    /// <summary>Removes the database (best effort: a leftover temp file is not an error).</summary>
    public async Task DeleteAsync()
    {
        if (TempDir is not null)
            RouteLatencyBench.TryDelete(TempDir);
        if (AdminConnection is not null && Database is not null)
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(AdminConnection);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }
    }
}
