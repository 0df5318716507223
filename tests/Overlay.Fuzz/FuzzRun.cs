using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Overlay.Fuzz;

/// <summary>
/// The fuzz mode: sends at most <c>count</c> bad datagrams to a node's UDP port within
/// <c>maxSeconds</c>, paced to <c>ratePerSecond</c>, and prints what it sent per category.
/// Only datagrams the kernel accepted are counted as sent.
/// </summary>
internal sealed record FuzzRun(
    IPEndPoint Target,
    int Count,
    int Seed,
    int MaxSeconds,
    int RatePerSecond,
    IPNetwork TargetSubnet,
    IPNetwork SpoofSubnet)
{
    /// <summary>Runs the loop and writes the report to <paramref name="output"/>; returns the exit code.</summary>
    public int Execute(TextWriter output)
    {
        var random = new Random(Seed);
        var factory = new DatagramFactory(random, TargetSubnet, SpoofSubnet);
        FuzzCategory[] categories = Enum.GetValues<FuzzCategory>();
        var sent = new long[categories.Length];
        long sendErrors = 0;
        byte[] buffer = new byte[FuzzConstants.MaxDatagramLength];
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        var deadline = TimeSpan.FromSeconds(MaxSeconds);
        var clock = Stopwatch.StartNew();
        int attempted = 0;
        for (; attempted < Count && clock.Elapsed < deadline; attempted++)
        {
            Pace(attempted, clock);
            var category = categories[random.Next(categories.Length)];
            int length = factory.Build(category, buffer);
            try
            {
                socket.SendTo(buffer.AsSpan(0, length), SocketFlags.None, Target);
                sent[(int)category]++;
            }
            catch (SocketException e)
            {
                // ENOBUFS and friends: the kernel refused it, so the node cannot have seen it.
                sendErrors++;
                if (sendErrors == 1)
                {
                    output.WriteLine($"send to {Target} failed: {e.SocketErrorCode} ({e.Message})");
                }
            }
        }

        long total = sent.Sum();
        string perCategory = string.Join(' ', categories.Select(c => $"{Name(c)}={sent[(int)c]}"));
        output.WriteLine(
            $"sent total={total} {perCategory} send_errors={sendErrors} attempted={attempted} " +
            $"elapsed_ms={clock.ElapsedMilliseconds} seed={Seed} target={Target}");
        return attempted < Count ? ExitCodes.TimedOut : ExitCodes.Success;
    }

    private void Pace(int index, Stopwatch clock)
    {
        if (RatePerSecond <= 0)
        {
            return;
        }

        // Datagram i is due at i / rate seconds; sleeping here only paces a sender, nothing waits on it.
        double dueMs = index * 1000.0 / RatePerSecond;
        double aheadMs = dueMs - clock.Elapsed.TotalMilliseconds;
        if (aheadMs >= 1)
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(aheadMs));
        }
    }

    /// <summary>The snake_case name of a category as printed in the report.</summary>
    public static string Name(FuzzCategory category) => category switch
    {
        FuzzCategory.Random => "random",
        FuzzCategory.Truncated => "truncated",
        FuzzCategory.BadVersion => "bad_version",
        FuzzCategory.BadIhl => "bad_ihl",
        FuzzCategory.BadTotalLength => "bad_total_length",
        FuzzCategory.Spoofed => "spoofed",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "unknown fuzz category"),
    };
}
