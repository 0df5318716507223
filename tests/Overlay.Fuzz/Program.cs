using System.CommandLine;
using System.Net;
using Overlay.Fuzz;

// overlay-fuzz: test traffic for the root end-to-end tests. Every mode is bounded in count and time.
var target = new Option<string>("--target") { Description = "UDP endpoint of the node under test, e.g. 192.0.2.11:8285", Required = true };
var count = new Option<int>("--count") { Description = "Most datagrams to send", DefaultValueFactory = _ => FuzzConstants.DefaultCount };
var seed = new Option<int>("--seed") { Description = "Seed of the pseudo-random generator (replays a run)", DefaultValueFactory = _ => 1 };
var maxSeconds = new Option<int>("--max-seconds") { Description = "Wall-clock bound of the mode", DefaultValueFactory = _ => FuzzConstants.DefaultMaxSeconds };
var rate = new Option<int>("--rate") { Description = "Datagrams per second, 0 for as fast as possible", DefaultValueFactory = _ => FuzzConstants.DefaultRatePerSecond };
var targetSubnet = new Option<string>("--target-subnet") { Description = "The target node's subnet: destination of spoofed packets", DefaultValueFactory = _ => "10.244.1.0/24" };
var spoofSubnet = new Option<string>("--spoof-subnet") { Description = "Another node's subnet: source of spoofed packets", DefaultValueFactory = _ => "10.244.2.0/24" };
var fuzz = new Command("fuzz", "Send random, truncated, malformed and spoofed datagrams to a node's UDP port")
{
    target, count, seed, maxSeconds, rate, targetSubnet, spoofSubnet,
};
fuzz.SetAction(result => new FuzzRun(
        ParseEndpoint("--target", result.GetValue(target)!),
        Positive("--count", result.GetValue(count)),
        result.GetValue(seed),
        Positive("--max-seconds", result.GetValue(maxSeconds)),
        result.GetValue(rate),
        ParseSubnet("--target-subnet", result.GetValue(targetSubnet)!),
        ParseSubnet("--spoof-subnet", result.GetValue(spoofSubnet)!))
    .Execute(Console.Out));

var connect = new Option<string>("--connect") { Description = "TCP endpoint of recv-tcp, e.g. 10.244.3.2:5001", Required = true };
var bytes = new Option<long>("--bytes") { Description = "Bytes to send", DefaultValueFactory = _ => 100L * 1024 * 1024 };
var sendTcp = new Command("send-tcp", "Send pseudo-random bytes over TCP and print their SHA-256")
{
    connect, bytes, seed, maxSeconds,
};
sendTcp.SetAction((result, _) => new TcpStreamSender(
        ParseEndpoint("--connect", result.GetValue(connect)!),
        result.GetValue(bytes) >= 0 ? result.GetValue(bytes) : throw new ArgumentException($"--bytes must not be negative: {result.GetValue(bytes)}"),
        result.GetValue(seed),
        Positive("--max-seconds", result.GetValue(maxSeconds)))
    .ExecuteAsync(Console.Out));

var listen = new Option<string>("--listen") { Description = "TCP endpoint to listen on", DefaultValueFactory = _ => "0.0.0.0:5001" };
var recvTcp = new Command("recv-tcp", "Accept one TCP connection, read it to the end and print the SHA-256 of what arrived")
{
    listen, maxSeconds,
};
recvTcp.SetAction((result, _) => new TcpStreamReceiver(
        ParseEndpoint("--listen", result.GetValue(listen)!),
        Positive("--max-seconds", result.GetValue(maxSeconds)))
    .ExecuteAsync(Console.Out));

var root = new RootCommand("overlay-fuzz: bounded test traffic for Overlay's end-to-end tests") { fuzz, sendTcp, recvTcp };
try
{
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (ArgumentException e)
{
    // Bad operands are the caller's mistake: one line naming the option and the value, no stack.
    Console.Error.WriteLine($"overlay-fuzz: {e.Message}");
    return ExitCodes.Failed;
}

static IPEndPoint ParseEndpoint(string option, string value) =>
    IPEndPoint.TryParse(value, out var endpoint) && endpoint.Port != 0
        ? endpoint
        : throw new ArgumentException($"{option} is not an IPv4 address:port: '{value}'");

static IPNetwork ParseSubnet(string option, string value) =>
    IPNetwork.TryParse(value, out var subnet)
        ? subnet
        : throw new ArgumentException($"{option} is not a CIDR subnet: '{value}'");

static int Positive(string option, int value) =>
    value > 0 ? value : throw new ArgumentException($"{option} must be positive: {value}");
