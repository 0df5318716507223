using System.Text.Json;
using System.Text.Json.Serialization;
using Overlay.EndToEnd.Tests.Infrastructure;
using Overlay.Faults.Tests.Checker;
using Overlay.Faults.Tests.History;

namespace Overlay.Faults.Tests.Harness;

/// <summary>Where the suite writes: artifacts/faults/ under the repository (override:
/// OVERLAY_FAULTS_ARTIFACTS), one JSON per row run (history and verdict) and a summary table.</summary>
public static class HistoryFile
{
    /// <summary>JSON options of the files: enums by name, so a history reads by eye.</summary>
    public static readonly JsonSerializerOptions Options = new()
    {
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The directory.</summary>
    public static string Directory =>
        Environment.GetEnvironmentVariable("OVERLAY_FAULTS_ARTIFACTS") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryLayout.RepositoryRoot, "artifacts", "faults");

    /// <summary>Writes <paramref name="history"/> with its verdict to &lt;row&gt;-&lt;time&gt;.json; returns the path.</summary>
    public static string Write(FaultHistory history, Verdict verdict, TimeSpan wall)
    {
        System.IO.Directory.CreateDirectory(Directory);
        string path = Path.Combine(Directory, $"{history.Row}-{history.StartedAt:yyyyMMdd-HHmmss}.json");
        File.WriteAllText(path, JsonSerializer.Serialize(new { verdict, wallSeconds = Math.Round(wall.TotalSeconds, 1), history }, Options));
        return path;
    }

    /// <summary>Reads a history back from a file <see cref="Write"/> wrote.</summary>
    public static FaultHistory Read(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("history").Deserialize<FaultHistory>(Options)
            ?? throw new InvalidDataException($"{path} holds no history");
    }
}
