using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Tmds.Linux;

namespace Overlay.Testing;

/// <summary>
/// A network namespace the test creates (ip netns add) and always deletes, plus a way to run code on
/// a dedicated thread that has entered it (setns), so devices and sockets made there stay out of the
/// host's namespace.
/// </summary>
public sealed class NetworkNamespace : IDisposable
{
    public NetworkNamespace()
    {
        Name = $"ovl-t{Environment.ProcessId}-{Random.Shared.Next(100000)}";
        Ip($"netns add {Name}");
    }

    public string Name { get; }

    /// <summary>Runs <paramref name="action"/> on a new thread inside the namespace and waits for it;
    /// rethrows what it threw.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                using var original = File.OpenHandle("/proc/thread-self/ns/net");
                using var target = File.OpenHandle($"/run/netns/{Name}");
                Enter(target, "enter " + Name);
                try
                {
                    result = action();
                }
                finally
                {
                    Enter(original, "return from " + Name);
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        }) { IsBackground = true, Name = "netns-" + Name };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(30)))
            throw new TimeoutException($"work in namespace {Name} did not finish");
        if (failure is not null)
            throw new InvalidOperationException($"failed in namespace {Name}: {failure.Message}", failure);
        return result;
    }

    /// <summary>Joins two namespaces by one veth pair ("ua" in <paramref name="a"/> at 192.0.2.1/24,
    /// "ub" in <paramref name="b"/> at 192.0.2.2/24), both up with loopback: two underlay hosts.</summary>
    public static void ConnectHosts(NetworkNamespace a, NetworkNamespace b)
    {
        Ip($"-n {a.Name} link add ua type veth peer name ub netns {b.Name}");
        foreach (var (ns, link, address) in new[] { (a, "ua", "192.0.2.1"), (b, "ub", "192.0.2.2") })
        {
            Ip($"-n {ns.Name} addr add {address}/24 dev {link}");
            Ip($"-n {ns.Name} link set {link} up");
            Ip($"-n {ns.Name} link set lo up");
        }
    }

    /// <summary>Runs ip(8) with <paramref name="arguments"/> in the host namespace; returns stdout, or throws with stderr.</summary>
    public static string Ip(string arguments) => TryIp(arguments, out var output, out var error)
        ? output
        : throw new InvalidOperationException($"ip {arguments} failed: {error}");

    public static bool TryIp(string arguments, out string output, out string error)
    {
        using var process = Process.Start(new ProcessStartInfo("ip", arguments)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(10_000))
        {
            process.Kill();
            throw new TimeoutException($"ip {arguments} did not finish");
        }
        output = stdout.GetAwaiter().GetResult();
        error = stderr.GetAwaiter().GetResult();
        return process.ExitCode == 0;
    }

    public void Dispose() => TryIp($"netns delete {Name}", out _, out _);

    private static void Enter(SafeFileHandle handle, string what)
    {
        if (LibC.setns((int)handle.DangerousGetHandle(), LibC.CLONE_NEWNET) != 0)
            throw new IOException($"setns to {what} failed: errno {LibC.errno}");
    }
}
