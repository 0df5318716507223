using System.Text;

namespace Overlay.Seed.Membership;

/// <summary>
/// The cluster addresses of the members a seed last saw, one per line, in its data directory.
/// Written atomically (temporary file, flush to disk, rename) so that a crash leaves the old list or
/// the new one, never half of one; read at start to build the seed's join list (see <see cref="SeedJoinPlan"/>).
/// </summary>
public static class KnownMembersFile
{
    private const string Header = "# overlay-seed: cluster members this seed last saw; rewritten on every membership change";

    /// <summary>The file's path in <paramref name="dataDir"/>.</summary>
    public static string PathIn(string dataDir) => Path.Combine(dataDir, SeedConstants.KnownMembersFileName);

    /// <summary>The addresses in <paramref name="path"/>; empty when the file does not exist.
    /// Lines that are blank, comments, or not akka.tcp addresses are skipped (a hand-edited file
    /// cannot stop the seed from starting).</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        if (!File.Exists(path))
            return [];
        return File.ReadAllLines(path)
            .Select(l => l.Trim())
            .Where(l => l.StartsWith("akka.tcp://", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="addresses"/>.</summary>
    public static void Write(string path, IEnumerable<string> addresses)
    {
        var temp = path + ".tmp";
        var text = new StringBuilder(Header).Append('\n');
        foreach (var address in addresses)
            text.Append(address).Append('\n');
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            var bytes = Encoding.UTF8.GetBytes(text.ToString());
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }
}
