using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Overlay.Node.IpMasq;

/// <summary>
/// Runs the iptables programs (iptables, iptables-restore) of the node's network namespace. Every
/// failure is an <see cref="IptablesException"/> naming the command and iptables' own error text.
/// Thread-safety: stateless; iptables serialises concurrent runs with its xtables lock (--wait).
/// </summary>
public sealed partial class Iptables(string iptables = "iptables", string iptablesRestore = "iptables-restore")
{
    /// <summary>True when <paramref name="rule"/> exists (iptables -C).</summary>
    public async Task<bool> ExistsAsync(IptablesRule rule, CancellationToken cancellation)
    {
        var result = await RunAsync(iptables, ["--wait", "-t", rule.Table, "-C", rule.Chain, .. rule.Arguments], null, cancellation);
        // 0: present; 1: absent (or its chain is); 2 with "does not exist": the jump's target chain is
        // missing (iptables-nft), so the rule is too; anything else is a real error (no permission, bad rule).
        if (result.ExitCode is 0 or 1)
            return result.ExitCode == 0;
        if (result.ExitCode == 2 && result.Error.Contains("does not exist", StringComparison.Ordinal))
            return false;
        throw new IptablesException($"iptables -t {rule.Table} -C {rule.Chain} {string.Join(' ', rule.Arguments)}: exit {result.ExitCode}: {result.Error}");
    }

    /// <summary>Feeds <paramref name="input"/> to `iptables-restore --noflush` (one atomic commit per table).</summary>
    public async Task RestoreAsync(string input, CancellationToken cancellation)
    {
        var result = await RunAsync(iptablesRestore, ["--wait", "--noflush"], input, cancellation);
        if (result.ExitCode != 0)
            throw new IptablesException($"iptables-restore --noflush: exit {result.ExitCode}: {result.Error}");
    }

    /// <summary>Deletes <paramref name="rule"/> while it exists (a jump may have been added twice by hand).</summary>
    public async Task DeleteAllAsync(IptablesRule rule, CancellationToken cancellation)
    {
        for (var i = 0; i < 16 && await ExistsAsync(rule, cancellation); i++)
        {
            var result = await RunAsync(iptables, ["--wait", "-t", rule.Table, "-D", rule.Chain, .. rule.Arguments], null, cancellation);
            if (result.ExitCode != 0)
                throw new IptablesException($"iptables -t {rule.Table} -D {rule.Chain}: exit {result.ExitCode}: {result.Error}");
        }
    }

    /// <summary>Flushes and deletes <paramref name="chain"/> of <paramref name="table"/>; a missing chain is fine.</summary>
    public async Task DeleteChainAsync(string table, string chain, CancellationToken cancellation)
    {
        var list = await RunAsync(iptables, ["--wait", "-t", table, "-S", chain], null, cancellation);
        if (list.ExitCode != 0)
            return;
        foreach (var step in new[] { "-F", "-X" })
        {
            var result = await RunAsync(iptables, ["--wait", "-t", table, step, chain], null, cancellation);
            if (result.ExitCode != 0)
                throw new IptablesException($"iptables -t {table} {step} {chain}: exit {result.ExitCode}: {result.Error}");
        }
    }

    /// <summary>The version `iptables --version` reports ("iptables v1.8.9 (nf_tables)" gives 1.8.9).</summary>
    public async Task<Version> VersionAsync(CancellationToken cancellation)
    {
        var result = await RunAsync(iptables, ["--version"], null, cancellation);
        var match = VersionPattern().Match(result.Output);
        return result.ExitCode == 0 && match.Success && Version.TryParse(match.Groups[1].Value, out var version)
            ? version
            : throw new IptablesException($"iptables --version: exit {result.ExitCode}: cannot read a version from '{result.Output.Trim()}{result.Error}'");
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(string file, string[] arguments, string? input,
        CancellationToken cancellation)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new IptablesException($"{file}: could not start");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new IptablesException($"{file}: cannot run it ({ex.Message}); --ip-masq needs the iptables package");
        }
        using (process)
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
                process.StandardInput.Close();
            }
            var output = process.StandardOutput.ReadToEndAsync(cancellation);
            var error = process.StandardError.ReadToEndAsync(cancellation);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timeout.CancelAfter(IpMasqConstants.CommandTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                process.Kill();
                throw new IptablesException($"{file} {string.Join(' ', arguments)}: no exit within {IpMasqConstants.CommandTimeout.TotalSeconds:0}s");
            }
            return (process.ExitCode, await output, (await error).Trim());
        }
    }

    [GeneratedRegex(@"v(\d+\.\d+(?:\.\d+)?)")]
    private static partial Regex VersionPattern();
}

/// <summary>An iptables command failed; the message names the command and iptables' error.</summary>
public sealed class IptablesException(string message) : Exception(message);
