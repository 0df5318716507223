using System.Globalization;
using Microsoft.Data.Sqlite;
using Overlay.Actors.Leases;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>
/// Reads the registry's journal rows back as stored (Akka.Persistence.Sql's "journal" table):
/// sequence number, manifest, payload and write time, from the seed's SQLite file (read-only, next
/// to the running seed) or from the lab's private PostgreSQL (psql inside its namespace).
/// </summary>
internal static class JournalReader
{
    private const string Query =
        "SELECT sequence_number, manifest, message, created FROM journal WHERE persistence_id = '" + LeaseRegistryActor.RegistryPersistenceId
        + "' AND deleted = false ORDER BY sequence_number";

    /// <summary>Reads the lab's journal; on failure returns null and the reason.</summary>
    public static async Task<(IReadOnlyList<JournalRecord>? Journal, string? Error)> ReadAsync(FaultLab lab)
    {
        try
        {
            return (lab.Postgres is null ? ReadSqlite(lab) : await ReadPostgresAsync(lab), null);
        }
        catch (Exception e) when (e is SqliteException or InvalidOperationException or FormatException or IOException or TimeoutException)
        {
            return (null, $"{e.GetType().Name}: {e.Message}");
        }
    }

    private static List<JournalRecord> ReadSqlite(FaultLab lab)
    {
        using var connection = new SqliteConnection($"Data Source={lab.SeedDatabase};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = Query.Replace("deleted = false", "deleted = 0", StringComparison.Ordinal);
        using var reader = command.ExecuteReader();
        var rows = new List<JournalRecord>();
        while (reader.Read())
        {
            rows.Add(new JournalRecord(reader.GetInt64(0), reader.GetString(1), Convert.ToBase64String((byte[])reader[2]), When(lab, reader.GetInt64(3))));
        }

        return rows;
    }

    private static async Task<List<JournalRecord>> ReadPostgresAsync(FaultLab lab)
    {
        var result = (await lab.Postgres!.QueryAsync(Query.Replace("message,", "translate(encode(message, 'base64'), E'\\n', ''),", StringComparison.Ordinal))).EnsureSuccess();
        return result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('|'))
            .Select(f => new JournalRecord(
                long.Parse(f[0], CultureInfo.InvariantCulture),
                f[1],
                f[2],
                When(lab, long.Parse(f[3], CultureInfo.InvariantCulture))))
            .ToList();
    }

    // The journal's "created" column: .NET ticks (UTC) in Akka.Persistence.Sql; unix milliseconds
    // in some other writers. Told apart by size (ticks of this century are above 6e17).
    private static double When(FaultLab lab, long created)
    {
        var at = created > 100_000_000_000_000L
            ? new DateTimeOffset(created, TimeSpan.Zero)
            : DateTimeOffset.FromUnixTimeMilliseconds(created);
        return Math.Round((at - lab.StartedAt).TotalSeconds, 3);
    }
}
