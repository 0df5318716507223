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
    private const string LeftMarker = "# left gracefully";
    private const string DownedMarker = "# downed by its cluster";

    /// <summary>What the file says.</summary>
    /// <param name="Addresses">The remembered member addresses.</param>
    /// <param name="LeftGracefully">True when the seed recorded that it left the cluster (SIGTERM)
    /// rather than crashing: its previous incarnation is already gone from the cluster.</param>
    /// <param name="Downed">True when the cluster (or this seed's own side of a partition) downed this
    /// seed: the cluster it remembers most likely lives on, maybe behind a partition.</param>
    public sealed record Contents(IReadOnlyList<string> Addresses, bool LeftGracefully, bool Downed = false);

    /// <summary>The file's path in <paramref name="dataDir"/>.</summary>
    public static string PathIn(string dataDir) => Path.Combine(dataDir, SeedConstants.KnownMembersFileName);

    /// <summary>The addresses in <paramref name="path"/>; empty when the file does not exist.
    /// Lines that are blank, comments, or not akka.tcp:// or akka.ssl.tcp:// addresses are skipped (a
    /// hand-edited file cannot stop the seed from starting).</summary>
    public static IReadOnlyList<string> Read(string path) => ReadContents(path).Addresses;

    /// <summary>The addresses and whether the seed left gracefully; empty when the file does not exist.</summary>
    public static Contents ReadContents(string path)
    {
        if (!File.Exists(path))
            return new Contents([], false);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).ToList();
        return new Contents(
            lines.Where(l => l.StartsWith("akka.tcp://", StringComparison.Ordinal) || l.StartsWith("akka.ssl.tcp://", StringComparison.Ordinal))
                .Distinct(StringComparer.Ordinal).ToList(),
            lines.Contains(LeftMarker),
            lines.Contains(DownedMarker));
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="addresses"/>, marked as left
    /// gracefully when <paramref name="leftGracefully"/> and as downed when <paramref name="downed"/>.</summary>
    public static void Write(string path, IEnumerable<string> addresses, bool leftGracefully = false, bool downed = false)
    {
        var temp = path + ".tmp";
        var text = new StringBuilder(Header).Append('\n');
        if (leftGracefully)
            text.Append(LeftMarker).Append('\n');
        if (downed)
            text.Append(DownedMarker).Append('\n');
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
