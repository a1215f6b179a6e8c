using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Granary.Core.Identity;
using Granary.Core.Protocol;
using Granary.Hub;
using Npgsql;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench hub</c>: a hub process with many registered farmers under load from <c>wrk</c>:
/// <c>/api/online/json</c> and signed pings, beside <c>GET /</c> (no database, no signature) as the
/// HTTP ceiling of the same hub on the same machine in the same run.
/// </summary>
internal static partial class HubBenchCommand
{
    public static Command Create()
    {
        var farmers = new Option<int>("--farmers") { Description = "Farmers to register before the load runs.", DefaultValueFactory = _ => 10_000 };
        var online = new Option<int?>("--online") { Description = "How many of them are online (seen within the window); default all." };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Run on PostgreSQL: a server URL (postgresql://user:password@host:5432/postgres); a fresh database is made there and dropped afterwards. Default: SQLite.",
            HelpName = "URL",
        };
        var duration = new Option<int>("--duration") { Description = "Seconds of load per measurement.", DefaultValueFactory = _ => 10 };
        var connections = new Option<int>("--connections") { Description = "wrk connections.", DefaultValueFactory = _ => 64 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("hub", "Requests per second a hub serves under wrk: /api/online/json and signed pings, beside its HTTP ceiling. Needs wrk.")
        {
            farmers, online, postgres, duration, connections, json,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var count = parse.GetValue(farmers);
            var onlineCount = parse.GetValue(online) ?? count;
            var seconds = parse.GetValue(duration);
            if (count is < 1 or > 1_000_000 || onlineCount < 0 || onlineCount > count)
            {
                throw new UsageException("--farmers must be between 1 and 1000000, and --online between 0 and --farmers");
            }

            if (seconds is < 1 or > 60 || parse.GetValue(connections) is < 1 or > 10_000)
            {
                throw new UsageException("--duration must be between 1 and 60 seconds and --connections between 1 and 10000");
            }

            if (!Wrk.IsInstalled())
            {
                throw new UsageException("wrk is not installed (Debian: apt-get install wrk; scripts/install-prerequisites.sh installs it)");
            }

            var setup = new Setup(count, onlineCount, parse.GetValue(postgres), seconds, parse.GetValue(connections));
            var result = await MeasureAsync(setup, context.Error, cancellationToken);
            if (parse.GetValue(json))
            {
                await context.Output.WriteLineAsync(JsonSerializer.Serialize(result, BenchJson.Options));
                return GranaryCli.Success;
            }

            await context.Output.WriteLineAsync(Describe(result));
            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record Setup(int Farmers, int Online, string? Postgres, int Seconds, int Connections);

    internal sealed record Load(string Name, double RequestsPerSecond, double LatencyP50Ms, double LatencyP99Ms, double MegabytesPerSecond, long Errors);

    internal sealed record HubResult(int Farmers, int Online, string Database, int Seconds, int Connections, int OnlineJsonBytes, double RegistrationsPerSecond, IReadOnlyList<Load> Loads)
    {
        /// <summary>Each load's requests/s over the first one's, the HTTP ceiling of this hub (the ratio each is judged by).</summary>
        public IReadOnlyDictionary<string, double> OverCeiling => Loads.ToDictionary(l => l.Name, l => l.RequestsPerSecond / Loads[0].RequestsPerSecond);
    }

    private static async Task<HubResult> MeasureAsync(Setup setup, TextWriter log, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"granary-bench-hub-{Guid.NewGuid():N}");
        await using var database = await BenchDatabase.CreateAsync(setup.Postgres, cancellationToken);
        try
        {
            var hubDir = Path.Combine(root, "hub");
            var hub = HubDirectory.Create(hubDir, new HubOptions { Port = NodeCommand.FreePort(), Database = database.Url, Tracker = { Enabled = false } });
            var keys = Enumerable.Range(0, setup.Farmers).Select(_ => PrivateKey.Generate()).ToArray();

            // Every farmer registers and sets a height; those meant to be offline are then marked as
            // last seen long ago (the epoch), and the rest ping to be seen now.
            double registrations;
            await using (var process = await HubProcess.StartAsync(hubDir, ["--max-ping", "0"], cancellationToken))
            {
                await log.WriteLineAsync($"bench hub: registering {setup.Farmers:N0} farmers on {database.Description}");
                var clock = Stopwatch.StartNew();
                await ForEachFarmerAsync(process, hub.Address, keys, (key, height) => [$"api/register/{key.Address}", $"api/height/{key.Address}/{height}"], cancellationToken);
                registrations = setup.Farmers / clock.Elapsed.TotalSeconds;
                if (setup.Online < setup.Farmers)
                {
                    await using var store = Hub.Data.HubDatabase.Open(hub);
                    await using var connection = await store.OpenConnectionAsync(cancellationToken);
                    await using var offline = connection.CreateCommand();
                    offline.CommandText = "UPDATE farmer SET last_seen = 0";
                    await offline.ExecuteNonQueryAsync(cancellationToken);
                    await ForEachFarmerAsync(process, hub.Address, keys[..setup.Online], (key, _) => [$"api/ping/{key.Address}"], cancellationToken);
                }
            }

            // The load: the hub as configured by default, but with an auth window wide enough for
            // pings signed just before the run to stay valid through it.
            var authWindow = (setup.Seconds * 3) + 30;
            var loads = new List<Load>();
            int onlineJsonBytes;
            await using (var process = await HubProcess.StartAsync(hubDir, ["--auth-window", authWindow.ToString(CultureInfo.InvariantCulture)], cancellationToken))
            {
                onlineJsonBytes = (await process.Http.GetByteArrayAsync("api/online/json", cancellationToken)).Length;
                loads.Add(await RunAsync(process, setup, "GET / (HTTP ceiling: no database, no signature)", null, log, cancellationToken));
                loads.Add(await RunAsync(process, setup, "GET /api/online/json (cached, as dataserv)", "api/online/json", log, cancellationToken));
                loads.Add(await RunAsync(process, setup, "GET /api/online/json, Accept-Encoding: gzip", "api/online/json", log, cancellationToken, gzip: true));
                loads.Add(await RunAsync(process, setup, "signed pings (MAX_PING 60: no write)", PingScript(root, hub.Address, keys, setup), log, cancellationToken));
            }

            await using (var process = await HubProcess.StartAsync(hubDir, ["--auth-window", authWindow.ToString(CultureInfo.InvariantCulture), "--max-ping", "0"], cancellationToken))
            {
                loads.Add(await RunAsync(process, setup, "signed pings (MAX_PING 0: each writes)", PingScript(root, hub.Address, keys, setup), log, cancellationToken));
            }

            // dataserv with CACHING_TIME 0 rebuilt the list from its database for every request.
            await using (var process = await HubProcess.StartAsync(hubDir, ["--cache-seconds", "0"], cancellationToken))
            {
                loads.Add(await RunAsync(process, setup, "GET /api/online/json, caching off", "api/online/json", log, cancellationToken));
            }

            return new HubResult(setup.Farmers, setup.Online, database.Description, setup.Seconds, setup.Connections, onlineJsonBytes, registrations, loads);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static string Describe(HubResult r)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"hub under wrk: {r.Farmers:N0} registered farmers ({r.Online:N0} online), {r.Database}, {r.Connections} connections, {r.Seconds} s each\n");
        text.Append(CultureInfo.InvariantCulture, $"/api/online/json is {r.OnlineJsonBytes:N0} bytes; registering took {r.RegistrationsPerSecond:N0} farmers/s (signed register + height)\n");
        text.Append(CultureInfo.InvariantCulture, $"{"",-52}{"requests/s",12}{"p50 ms",9}{"p99 ms",9}{"MB/s",9}{"errors",8}\n");
        foreach (var load in r.Loads)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{load.Name,-52}{load.RequestsPerSecond,12:N0}{load.LatencyP50Ms,9:0.00}{load.LatencyP99Ms,9:0.00}{load.MegabytesPerSecond,9:N1}{load.Errors,8}   {r.OverCeiling[load.Name]:0.00}x ceiling\n");
        }

        return text.ToString().TrimEnd();
    }

    private static async Task<Load> RunAsync(HubProcess hub, Setup setup, string name, string? target, TextWriter log, CancellationToken cancellationToken, bool gzip = false)
    {
        await log.WriteLineAsync($"bench hub: {name}");
        var url = new Uri(hub.Url, target is { } path && !path.EndsWith(".lua", StringComparison.Ordinal) ? path : "").ToString();
        var script = target?.EndsWith(".lua", StringComparison.Ordinal) == true ? target : null;
        var output = await Wrk.RunAsync(url, script, gzip ? "Accept-Encoding: gzip" : null, setup.Connections, setup.Seconds, cancellationToken);
        return Wrk.Parse(name, output);
    }

    // A wrk script that cycles through one ping per online farmer, each signed now.
    private static string PingScript(string root, string hubAddress, PrivateKey[] keys, Setup setup)
    {
        var path = Path.Combine(root, $"pings-{Guid.NewGuid():N}.lua");
        // Requests are formatted in init(), once wrk knows the Host header they need.
        var script = new StringBuilder("local pings = {\n");
        var now = DateTimeOffset.UtcNow;
        foreach (var key in keys.Take(Math.Max(1, setup.Online)))
        {
            var (date, authorization) = DataservAuthentication.Headers(key, hubAddress, now);
            script.Append(CultureInfo.InvariantCulture, $"  {{\"/api/ping/{key.Address}\", \"{date}\", \"{authorization}\"}},\n");
        }

        script.Append("""
            }
            local requests = {}
            local i = 0
            init = function(args)
              for _, p in ipairs(pings) do
                requests[#requests + 1] = wrk.format("GET", p[1], {["Date"] = p[2], ["Authorization"] = p[3]})
              end
              i = math.random(#requests)
            end
            request = function()
              i = i % #requests + 1
              return requests[i]
            end

            """);
        File.WriteAllText(path, script.ToString());
        return path;
    }

    // Sends each farmer's signed calls, sixteen farmers at a time; every answer must be a 200.
    private static async Task ForEachFarmerAsync(HubProcess hub, string hubAddress, PrivateKey[] keys, Func<PrivateKey, int, string[]> calls, CancellationToken cancellationToken)
    {
        await Parallel.ForAsync(0, keys.Length, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (i, ct) =>
        {
            foreach (var path in calls(keys[i], 1 + (i % 400)))
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, path);
                var (date, authorization) = DataservAuthentication.Headers(keys[i], hubAddress, DateTimeOffset.UtcNow);
                request.Headers.TryAddWithoutValidation("Date", date);
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
                using var response = await hub.Http.SendAsync(request, ct);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"the hub answered {(int)response.StatusCode} to {path}: {await response.Content.ReadAsStringAsync(ct)}");
                }
            }
        });
    }

    /// <summary>A <c>granary hub run</c> child process.</summary>
    internal sealed class HubProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private HubProcess(Process process, Uri url)
        {
            _process = process;
            Url = url;
            Http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        }

        public Uri Url { get; }

        public HttpClient Http { get; }

        /// <summary>The hub's process id (to read its memory use).</summary>
        public int ProcessId => _process.Id;

        /// <summary>The tracker's URL, when the hub serves one (the second line it prints).</summary>
        public Uri? TrackerUrl { get; private set; }

        public static async Task<HubProcess> StartAsync(string hubDir, string[] flags, CancellationToken cancellationToken, bool tracker)
        {
            var hub = await StartAsync(hubDir, flags, cancellationToken);
            if (!tracker)
            {
                return hub;
            }

            try
            {
                var line = await hub._process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
                hub.TrackerUrl = line is not null && line.StartsWith("tracker ", StringComparison.Ordinal)
                    ? new Uri(line["tracker ".Length..])
                    : throw new InvalidOperationException($"the hub printed no tracker URL (see {Path.Combine(hubDir, "hub.log")})");
                return hub;
            }
            catch
            {
                await hub.DisposeAsync();
                throw;
            }
        }

        public static async Task<HubProcess> StartAsync(string hubDir, string[] flags, CancellationToken cancellationToken)
        {
            var info = GridCommand.SelfStartInfo(["hub", "run", hubDir, .. flags], Path.Combine(hubDir, "hub.log"));
            var process = Process.Start(info)!;
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            if (line is null || !Uri.TryCreate(line, UriKind.Absolute, out var url))
            {
                await process.WaitForExitAsync(cancellationToken);
                throw new InvalidOperationException($"the hub did not start (see {Path.Combine(hubDir, "hub.log")})");
            }

            return new HubProcess(process, url);
        }

        public async ValueTask DisposeAsync()
        {
            Http.Dispose();
            await Daemon.StopAllAsync([_process], TimeSpan.FromSeconds(20));
            _process.Dispose();
        }
    }

    /// <summary>SQLite in the hub's directory, or a database made for the run on a PostgreSQL server and dropped after it.</summary>
    internal sealed class BenchDatabase : IAsyncDisposable
    {
        private readonly NpgsqlConnectionStringBuilder? _server;
        private readonly string? _name;

        private BenchDatabase(string? url, string description, NpgsqlConnectionStringBuilder? server, string? name)
        {
            Url = url;
            Description = description;
            _server = server;
            _name = name;
        }

        public string? Url { get; }

        public string Description { get; }

        public static async Task<BenchDatabase> CreateAsync(string? server, CancellationToken cancellationToken)
        {
            if (server is null)
            {
                return new BenchDatabase(null, "SQLite", null, null);
            }

            if (!Hub.Data.PostgresUrl.TryParse(server, out var builder, out var error))
            {
                throw new UsageException($"--postgres: {error}");
            }

            var name = $"granary_bench_{Guid.NewGuid():N}";
            await using (var connection = new NpgsqlConnection(builder!.ConnectionString))
            {
                await connection.OpenAsync(cancellationToken);
                await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var url = new UriBuilder(server) { Path = "/" + name }.Uri.ToString();
            return new BenchDatabase(url, $"PostgreSQL ({builder.Host}:{builder.Port})", builder, name);
        }

        public async ValueTask DisposeAsync()
        {
            if (_server is null)
            {
                return;
            }

            await using var connection = new NpgsqlConnection(_server.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    /// <summary>Running wrk and reading its report.</summary>
    internal static partial class Wrk
    {
        public static bool IsInstalled() =>
            (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "wrk")));

        /// <summary>
        /// Runs wrk; <paramref name="threads"/> defaults to one per core (at most one per connection), and a
        /// request not answered within <paramref name="timeoutSeconds"/> (wrk's default: 2) counts as an error.
        /// </summary>
        public static async Task<string> RunAsync(string url, string? script, string? header, int connections, int seconds, CancellationToken cancellationToken, int? threads = null, int? timeoutSeconds = null)
        {
            var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { "-t", (threads ?? Math.Min(Environment.ProcessorCount, connections)).ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture), "-d", $"{seconds}s", "--latency" })
            {
                info.ArgumentList.Add(arg);
            }

            if (timeoutSeconds is { } timeout)
            {
                info.ArgumentList.Add("--timeout");
                info.ArgumentList.Add($"{timeout}s");
            }

            if (header is not null)
            {
                info.ArgumentList.Add("-H");
                info.ArgumentList.Add(header);
            }

            if (script is not null)
            {
                info.ArgumentList.Add("-s");
                info.ArgumentList.Add(script);
            }

            info.ArgumentList.Add(url);
            using var process = Process.Start(info)!;
            var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = await process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode == 0 ? output : throw new InvalidOperationException($"wrk failed: {error.Trim()}{output.Trim()}");
        }

        public static Load Parse(string name, string output)
        {
            var rate = Number(RequestsPerSecond().Match(output));
            var transfer = TransferPerSecond().Match(output);
            var megabytes = transfer.Success ? Number(transfer) * transfer.Groups[2].Value switch { "GB" => 1024, "KB" => 1.0 / 1024, "B" => 1.0 / (1024 * 1024), _ => 1 } : 0;
            var errors = NonSuccess().Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
            var socketErrors = SocketErrors().Match(output) is { Success: true } s
                ? s.Groups.Values.Skip(1).Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture))
                : 0;
            return new Load(name, rate, Latency(output, "50%"), Latency(output, "99%"), megabytes * 1.048576, errors + socketErrors);
        }

        private static double Latency(string output, string percentile)
        {
            var match = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
            return match.Success ? Number(match) * match.Groups[2].Value switch { "us" => 0.001, "s" => 1000, _ => 1 } : double.NaN;
        }

        private static double Number(Match match) => match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 0;

        [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
        private static partial Regex RequestsPerSecond();

        [GeneratedRegex(@"Transfer/sec:\s+([\d.]+)(GB|MB|KB|B)")]
        private static partial Regex TransferPerSecond();

        [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")]
        private static partial Regex NonSuccess();

        [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")]
        private static partial Regex SocketErrors();
    }
}
