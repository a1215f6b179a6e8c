using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Granary.Hub;
using Granary.Hub.Tracker.Federation;

namespace Granary.Cli.Commands.Bench;

/// <summary>
/// <c>granary bench tracker</c>: a hub process with its P2PFlix tracker, seeded with many peers and
/// files, under load from <c>wrk</c> (keep_alive, add_file, file_list) beside <c>GET /</c> of the same
/// hub as the HTTP ceiling in the same run; a check that <c>/file_list</c> is streamed (its first byte
/// long before its last, the hub's memory flat); then three federated hubs and the time for a burst of
/// events to reach all of them.
/// </summary>
/// <remarks>
/// Every wrk run here has one connection per wrk thread, and each thread owns its own peers: a peer's
/// next request is sent only after its last one was answered, so every sequence number is the one
/// the tracker expects and an error is a real one. The ceiling is measured with the same shape.
/// </remarks>
internal static class TrackerBenchCommand
{
    public static Command Create()
    {
        var peers = new Option<int>("--peers") { Description = "Peers to create (each adds files, then keeps alive).", DefaultValueFactory = _ => 10_000 };
        var files = new Option<int>("--files") { Description = "Files the tracker holds before the load.", DefaultValueFactory = _ => 100_000 };
        var events = new Option<int>("--events") { Description = "Events for the federation convergence run across three hubs (0 skips it).", DefaultValueFactory = _ => 10_000 };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Run on PostgreSQL: a server URL (postgresql://user:password@host:5432/postgres); a fresh database is made there for each hub and dropped afterwards. Default: SQLite.",
            HelpName = "URL",
        };
        var duration = new Option<int>("--duration") { Description = "Seconds of load per measurement.", DefaultValueFactory = _ => 10 };
        var connections = new Option<int>("--connections") { Description = "wrk connections (one wrk thread each).", DefaultValueFactory = _ => 16 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of text." };
        var command = new Command("tracker", "Requests per second the P2PFlix tracker serves under wrk (keep_alive, add_file, file_list) beside the hub's HTTP ceiling, whether file_list streams, and federation convergence across three hubs. Needs wrk.")
        {
            peers, files, events, postgres, duration, connections, json,
        };
        CommandRunner.SetAction(command, async (context, cancellationToken) =>
        {
            var parse = context.Parse;
            var setup = new Setup(parse.GetValue(peers), parse.GetValue(files), parse.GetValue(events), parse.GetValue(postgres), parse.GetValue(duration), parse.GetValue(connections));
            if (setup.Peers is < 1 or > 1_000_000 || setup.Files < setup.Peers || setup.Files > 10_000_000 || setup.Events is < 0 or > 1_000_000)
            {
                throw new UsageException("--peers must be 1 to 1000000, --files at least --peers (at most 10000000), --events 0 to 1000000");
            }

            if (setup.Seconds is < 1 or > 60 || setup.Connections < 1 || setup.Connections > Math.Min(256, setup.Peers))
            {
                throw new UsageException("--duration must be between 1 and 60 seconds and --connections between 1 and 256 (at most --peers)");
            }

            if (!HubBenchCommand.Wrk.IsInstalled())
            {
                throw new UsageException("wrk is not installed (Debian: apt-get install wrk; scripts/install-prerequisites.sh installs it)");
            }

            var result = await MeasureAsync(setup, context.Error, cancellationToken);
            await context.Output.WriteLineAsync(parse.GetValue(json) ? JsonSerializer.Serialize(result, BenchJson.Options) : Describe(result));
            return GranaryCli.Success;
        });
        return command;
    }

    internal sealed record Setup(int Peers, int Files, int Events, string? Postgres, int Seconds, int Connections);

    /// <summary>One <c>GET /file_list</c> read as it arrives, with the hub's resident memory sampled meanwhile.</summary>
    internal sealed record FileListStream(int Files, long Bytes, bool Chunked, double FirstByteMs, double TotalMs, double HubRssBeforeMB, double HubRssPeakMB);

    internal sealed record Convergence(int Events, int Hubs, double SendSeconds, double ConvergedSeconds);

    internal sealed record TrackerBenchResult(
        int Peers, int Files, string Database, int Seconds, int Connections, double SeedAddFilesPerSecond,
        FileListStream FileList, IReadOnlyList<HubBenchCommand.Load> Loads, Convergence? Federation);

    private static async Task<TrackerBenchResult> MeasureAsync(Setup setup, TextWriter log, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), $"granary-bench-tracker-{Guid.NewGuid():N}");
        try
        {
            var loads = new List<HubBenchCommand.Load>();
            double seedRate;
            FileListStream stream;
            string description;
            await using (var database = await HubBenchCommand.BenchDatabase.CreateAsync(setup.Postgres, cancellationToken))
            {
                description = database.Description;
                var hubDir = Path.Combine(root, "hub");
                var options = new HubOptions { Port = NodeCommand.FreePort(), Database = database.Url };
                options.Tracker.Urls = $"http://127.0.0.1:{NodeCommand.FreePort()}";
                HubDirectory.Create(hubDir, options);

                // A timeout longer than the run, so that every peer that kept alive once stays active;
                // no rate limit, since every simulated peer comes from 127.0.0.1.
                await using var hub = await HubBenchCommand.HubProcess.StartAsync(hubDir, ["--tracker-keepalive-timeout", "3600", "--tracker-rate-limit", "0"], cancellationToken, tracker: true);
                using var http = new HttpClient { BaseAddress = hub.TrackerUrl, Timeout = TimeSpan.FromMinutes(5) };

                // Seed: every peer adds a first file (that creates it), then the rest of the files round-robin.
                await log.WriteLineAsync($"bench tracker: {setup.Peers:N0} peers adding {setup.Files:N0} files on {description}");
                var guids = new string[setup.Peers];
                var seqs = new long[setup.Peers];
                var clock = Stopwatch.StartNew();
                await Parallel.ForAsync(0, setup.Peers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (p, ct) =>
                {
                    var answer = await AddAsync(http, $"seed{p}", null, 0, ct);
                    guids[p] = answer.GetProperty("guid").GetString()!;
                    seqs[p] = 1;
                });
                await Parallel.ForAsync(0, setup.Peers, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (p, ct) =>
                {
                    for (var f = setup.Peers + p; f < setup.Files; f += setup.Peers)
                    {
                        await AddAsync(http, $"seed{f}", guids[p], seqs[p]++, ct);
                    }
                });
                seedRate = setup.Files / clock.Elapsed.TotalSeconds;

                var keepAlive = Script(root, "keepalive", guids, new long[setup.Peers], setup.Connections, """
                    local body = '{"guid":"' .. mine[i] .. '","ka_seq_number":' .. counters[i] .. '}'
                    counters[i] = counters[i] + 1
                    return wrk.format("PUT", "/keep_alive", headers, body)
                    """);
                var addFile = Script(root, "addfile", guids, seqs, setup.Connections, """
                    n = n + 1
                    local hash = "bench" .. tid .. "x" .. n
                    local body = '{"name":"' .. hash .. '.mp4","full_hash":"' .. hash .. '","chunks":[{"id":0,"name":"' .. hash .. '#0","hash":"c0"}],"guid":"' .. mine[i] .. '","seq_number":' .. counters[i] .. '}'
                    counters[i] = counters[i] + 1
                    return wrk.format("POST", "/add_file", headers, body)
                    """);

                loads.Add(await RunAsync(hub.Url.ToString(), null, "GET / of the hub (HTTP ceiling)", setup, log, cancellationToken));
                loads.Add(await RunAsync(hub.TrackerUrl!.ToString(), keepAlive, $"PUT /keep_alive, {setup.Peers:N0} peers", setup, log, cancellationToken));

                // Every peer is active now, so each listed file counts its hosts.
                await log.WriteLineAsync($"bench tracker: one GET /file_list of {setup.Files:N0} files, read as it arrives");
                stream = await ReadFileListAsync(hub, http, cancellationToken);
                if (stream.Files != setup.Files)
                {
                    throw new InvalidOperationException($"/file_list listed {stream.Files:N0} files, not {setup.Files:N0}");
                }

                loads.Add(await RunAsync(new Uri(hub.TrackerUrl!, "file_list").ToString(), null, $"GET /file_list ({setup.Files:N0} files)", setup with { Connections = Math.Min(setup.Connections, 4) }, log, cancellationToken));
                loads.Add(await RunAsync(hub.TrackerUrl!.ToString(), addFile, $"POST /add_file, {setup.Peers:N0} peers", setup, log, cancellationToken));
            }

            var convergence = setup.Events == 0 ? null : await ConvergenceAsync(setup, root, log, cancellationToken);
            return new TrackerBenchResult(setup.Peers, setup.Files, description, setup.Seconds, setup.Connections, seedRate, stream, loads, convergence);
        }
        finally
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }

    // Reads the list in 64 KiB pieces as they come while sampling the hub's resident memory: a hub that
    // built the whole answer first would send its first byte only at the end and grow by its size.
    private static async Task<FileListStream> ReadFileListAsync(HubBenchCommand.HubProcess hub, HttpClient http, CancellationToken cancellationToken)
    {
        // Once first, so that neither the JIT nor a cold page cache is measured.
        (await http.GetAsync("file_list", HttpCompletionOption.ResponseContentRead, cancellationToken)).Dispose();
        var before = ResidentBytes(hub.ProcessId);
        var peak = before;
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, ResidentBytes(hub.ProcessId));
                await Task.Delay(5, CancellationToken.None);
            }
        }, CancellationToken.None);

        var clock = Stopwatch.StartNew();
        double first;
        bool chunked;
        using var content = new MemoryStream();
        try
        {
            using var response = await http.GetAsync("file_list", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            response.EnsureSuccessStatusCode();
            chunked = response.Headers.TransferEncodingChunked == true && response.Content.Headers.ContentLength is null;
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[64 * 1024];
            var read = await body.ReadAsync(buffer, cancellationToken);
            first = clock.Elapsed.TotalMilliseconds;
            while (read > 0)
            {
                content.Write(buffer, 0, read);
                read = await body.ReadAsync(buffer, cancellationToken);
            }
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }

        var total = clock.Elapsed.TotalMilliseconds;
        content.Position = 0;
        using var list = await JsonDocument.ParseAsync(content, cancellationToken: cancellationToken);
        const double MB = 1 << 20;
        return new FileListStream(list.RootElement.GetProperty("files").GetArrayLength(), content.Length, chunked, first, total, before / MB, peak / MB);
    }

    // VmRSS from /proc (Linux); 0 where there is none.
    private static long ResidentBytes(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 0;
    }

    // Three hubs meshed with a key per pair; the events (add_file, spread over the three and over
    // 100 peers each) are sent as fast as the hubs take them; the clock stops when all three list every file.
    private static async Task<Convergence> ConvergenceAsync(Setup setup, string root, TextWriter log, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync($"bench tracker: federation convergence, {setup.Events:N0} events across three hubs");
        var databases = new List<HubBenchCommand.BenchDatabase>();
        var hubs = new List<HubBenchCommand.HubProcess>();
        try
        {
            var dirs = new List<string>();
            var urls = new List<string>();
            for (var i = 0; i < 3; i++)
            {
                var database = await HubBenchCommand.BenchDatabase.CreateAsync(setup.Postgres, cancellationToken);
                databases.Add(database);
                var dir = Path.Combine(root, $"fed{i}");
                var options = new HubOptions { Port = NodeCommand.FreePort(), Database = database.Url };
                options.Tracker.TrackerId = $"bench{i}";
                urls.Add($"http://127.0.0.1:{NodeCommand.FreePort()}/");
                options.Tracker.Urls = urls[i];
                HubDirectory.Create(dir, options);
                dirs.Add(dir);
            }

            var members = Enumerable.Range(0, 3).Select(_ => new List<TrackerMember>()).ToArray();
            for (var i = 0; i < 3; i++)
            {
                for (var j = i + 1; j < 3; j++)
                {
                    var key = RandomNumberGenerator.GetBytes(TrackerMember.KeySize);
                    members[i].Add(new TrackerMember($"bench{j}", $"bench{j}", new Uri(urls[j]), key, false));
                    members[j].Add(new TrackerMember($"bench{i}", $"bench{i}", new Uri(urls[i]), key, false));
                }
            }

            for (var i = 0; i < 3; i++)
            {
                TrackerMembers.Save(TrackerMembers.PathIn(dirs[i]), members[i]);
                hubs.Add(await HubBenchCommand.HubProcess.StartAsync(dirs[i], ["--tracker-rate-limit", "0"], cancellationToken, tracker: true));
            }

            var clients = hubs.Select(h => new HttpClient { BaseAddress = h.TrackerUrl, Timeout = TimeSpan.FromMinutes(2) }).ToList();
            var clock = Stopwatch.StartNew();
            const int PeersPerHub = 100;
            var perPeer = (setup.Events + (3 * PeersPerHub) - 1) / (3 * PeersPerHub);
            var sent = 0;
            await Parallel.ForAsync(0, 3 * PeersPerHub, new ParallelOptions { MaxDegreeOfParallelism = 48, CancellationToken = cancellationToken }, async (p, ct) =>
            {
                var client = clients[p % 3];
                string? guid = null;
                for (var e = 0; e < perPeer && Interlocked.Increment(ref sent) <= setup.Events; e++)
                {
                    var answer = await AddAsync(client, $"fed{p}x{e}", guid, e, ct);
                    guid ??= answer.GetProperty("guid").GetString();
                }
            });
            var sendSeconds = clock.Elapsed.TotalSeconds;
            await log.WriteLineAsync($"bench tracker: {setup.Events:N0} events accepted in {sendSeconds:0.0} s; waiting for all three hubs to list every file");
            var total = Math.Min(setup.Events, 3 * PeersPerHub * perPeer);
            foreach (var client in clients)
            {
                while (true)
                {
                    using var list = await client.GetFromJsonAsync<JsonDocument>("file_list", cancellationToken);
                    if (list!.RootElement.GetProperty("files").GetArrayLength() >= total)
                    {
                        break;
                    }

                    if (clock.Elapsed > TimeSpan.FromMinutes(10))
                    {
                        throw new TimeoutException("the federation did not converge within 10 minutes");
                    }

                    await Task.Delay(100, cancellationToken);
                }
            }

            var seconds = clock.Elapsed.TotalSeconds;
            clients.ForEach(c => c.Dispose());
            return new Convergence(total, 3, sendSeconds, seconds);
        }
        finally
        {
            foreach (var hub in hubs)
            {
                await hub.DisposeAsync();
            }

            foreach (var database in databases)
            {
                await database.DisposeAsync();
            }
        }
    }

    private static async Task<JsonElement> AddAsync(HttpClient http, string hash, string? guid, long seq, CancellationToken cancellationToken)
    {
        var body = new JsonObject
        {
            ["name"] = hash + ".mp4",
            ["full_hash"] = hash,
            ["chunks"] = new JsonArray(new JsonObject { ["id"] = 0, ["name"] = hash + "#0", ["hash"] = "c0" }),
            ["guid"] = guid,
            ["seq_number"] = seq,
        };
        using var response = await http.PostAsync("add_file", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(text).RootElement.Clone()
            : throw new InvalidOperationException($"the tracker answered {(int)response.StatusCode} to add_file: {text}");
    }

    // A wrk script whose threads (one connection each) take every n-th peer and cycle through them with their own counters,
    // so that a peer's requests never overlap and every one carries the number the tracker expects.
    private static string Script(string root, string name, string[] guids, long[] counters, int threads, string request)
    {
        var script = new StringBuilder("local guids = {\n");
        foreach (var guid in guids)
        {
            script.Append(CultureInfo.InvariantCulture, $"  \"{guid}\",\n");
        }

        script.Append("}\nlocal start = {\n");
        foreach (var counter in counters)
        {
            script.Append(CultureInfo.InvariantCulture, $"  {counter},\n");
        }

        script.Append(CultureInfo.InvariantCulture, $$"""
            }
            local threads = 0
            setup = function(thread)
              thread:set("tid", threads)
              threads = threads + 1
            end
            mine = {}
            counters = {}
            headers = {["Content-Type"] = "application/json"}
            i = 0
            n = 0
            init = function(args)
              for k = 1, #guids do
                if (k - 1) % {{threads}} == tid then
                  mine[#mine + 1] = guids[k]
                  counters[#counters + 1] = start[k]
                end
              end
            end
            -- wrk calls request() once to check it before the run: that call must not use up a counter.
            checked = false
            request = function()
              if not checked then
                checked = true
                return wrk.format("GET", "/tracker_list")
              end
              i = i % #mine + 1
            {{request}}
            end

            """);
        var path = Path.Combine(root, $"{name}-{Guid.NewGuid():N}.lua");
        File.WriteAllText(path, script.ToString());
        return path;
    }

    private static async Task<HubBenchCommand.Load> RunAsync(string url, string? script, string name, Setup setup, TextWriter log, CancellationToken cancellationToken)
    {
        await log.WriteLineAsync($"bench tracker: {name}");
        // A whole list takes more than wrk's 2 s on a loaded machine: that is slow, not an error.
        var output = await HubBenchCommand.Wrk.RunAsync(url, script, null, setup.Connections, setup.Seconds, cancellationToken, threads: setup.Connections, timeoutSeconds: 30);
        return HubBenchCommand.Wrk.Parse(name, output);
    }

    private static string Describe(TrackerBenchResult r)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"tracker under wrk: {r.Peers:N0} peers, {r.Files:N0} files, {r.Database}, {r.Connections} connections (one per wrk thread), {r.Seconds} s each\n");
        text.Append(CultureInfo.InvariantCulture, $"seeding took {r.SeedAddFilesPerSecond:N0} add_file/s (32 concurrent HTTP clients)\n");
        var list = r.FileList;
        text.Append(CultureInfo.InvariantCulture,
            $"one /file_list: {list.Files:N0} files, {list.Bytes / 1048576.0:N1} MiB{(list.Chunked ? " chunked" : " with a Content-Length")}, first byte after {list.FirstByteMs:N1} ms, last after {list.TotalMs:N1} ms; hub resident memory {list.HubRssBeforeMB:N0} MiB before, {list.HubRssPeakMB:N0} MiB at most while sending\n");
        text.Append(CultureInfo.InvariantCulture, $"{"",-46}{"requests/s",12}{"p50 ms",9}{"p99 ms",9}{"MB/s",9}{"errors",8}\n");
        var ceiling = r.Loads[0].RequestsPerSecond;
        foreach (var load in r.Loads)
        {
            // A whole list is no request like the others: its rate says more in files.
            var beside = ReferenceEquals(load, r.Loads[2])
                ? string.Create(CultureInfo.InvariantCulture, $"{load.RequestsPerSecond * r.Files:N0} files/s")
                : string.Create(CultureInfo.InvariantCulture, $"{load.RequestsPerSecond / ceiling:0.00}x ceiling");
            text.Append(CultureInfo.InvariantCulture,
                $"{load.Name,-46}{load.RequestsPerSecond,12:N1}{load.LatencyP50Ms,9:0.00}{load.LatencyP99Ms,9:0.00}{load.MegabytesPerSecond,9:N1}{load.Errors,8}   {beside}\n");
        }

        if (r.Federation is { } f)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"federation: {f.Events:N0} add_file events sent to three hubs in {f.SendSeconds:0.0} s reached all three in {f.ConvergedSeconds:0.0} s ({f.Events / f.ConvergedSeconds:N0} events/s)\n");
        }

        return text.ToString().TrimEnd();
    }
}
