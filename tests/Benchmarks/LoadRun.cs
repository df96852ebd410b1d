using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using TestSupport;

namespace Benchmarks;

/// <summary>
/// The app under the load of many portals and their users, everything on loopback: portals installed
/// through the emulator, users opening the app and browsing, searching, adding and removing
/// participants and reassigning forms, with every portal held to Bitrix24's default limit (a bucket of
/// 50, 2 requests a second). The app runs as a process of its own, measured apart.
/// </summary>
public static partial class LoadRun
{
    /// <summary>One load: how many portals, users in each, which database, how many instances, Redis or not.</summary>
    public sealed record Scenario(string Name, int Portals, int Users, string Database, int Instances = 1, bool Redis = false);

    /// <summary>Users active at once: real users do not all open the app in the same millisecond.</summary>
    const int ActiveUsers = 100;

    public static readonly Scenario[] Scenarios =
    [
        new("SQLite, 10 portals × 3 users", 10, 3, "Sqlite"),
        new("SQLite, 100 portals × 3 users", 100, 3, "Sqlite"),
        new("PostgreSQL, 100 portals × 3 users", 100, 3, "Postgres"),
        new("PostgreSQL + Redis, 2 instances, 100 portals × 3 users", 100, 3, "Postgres", Instances: 2, Redis: true),
        new("SQLite, 1,000 portals × 1 user", 1000, 1, "Sqlite"),
    ];

    /// <summary>The figures recorded in the README (2-core development machine): ops/s, pages p99 in ms, app peak memory in MB.</summary>
    static readonly Dictionary<string, (double OpsPerSecond, double PagesP99, double PeakMb)> Recorded = new()
    {
        ["SQLite, 10 portals × 3 users"] = (8, 5004, 241),
        ["SQLite, 100 portals × 3 users"] = (54, 3612, 308),
        ["PostgreSQL, 100 portals × 3 users"] = (53, 4038, 331),
        ["PostgreSQL + Redis, 2 instances, 100 portals × 3 users"] = (55, 4000, 323),
        ["SQLite, 1,000 portals × 1 user"] = (216, 1757, 332),
    };

    /// <summary>The paced run as recorded: the app's own p99 in ms just started (its first 20 s) and warm, and its CPU in cores when warm.</summary>
    static readonly (double FreshP99, double P99, double Cpu) RecordedPace = (37.5, 7.8, 0.49);

    /// <summary>Says so when a figure is more than 20% worse than the README's.</summary>
    static void Compare(string what, string figure, double measured, double recorded, bool higherIsBetter)
    {
        var worse = higherIsBetter ? measured < recorded * 0.8 : measured > recorded * 1.2;
        if (worse)
        {
            Console.WriteLine($"WORSE THAN RECORDED: {what}: {figure} {measured:F1} against {recorded:F1} in the README (more than 20%)");
        }
    }

    public static async Task RunAsync(EmulatorControl control, IEnumerable<Scenario> scenarios)
    {
        await CalibrateAsync(control);

        Console.WriteLine($"## Load ({Environment.ProcessorCount} cores, {Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1024.0 / 1024 / 1024)} GiB; app, emulator and users on one machine; every portal at 2 requests/s after a burst of 50)");
        Console.WriteLine("Each user opens the app, then twice: the lists, a list, a search, adds 2 participants, the list, removes them, reassigns the form; between the two rounds every access token expires.");
        Console.WriteLine();
        Console.WriteLine("| scenario | user ops | ops/s | pages p50 / p95 / p99 | actions p50 / p95 / p99 | opens p99 | app CPU (of 2 cores) | app peak memory | memory after installs | portal requests per op (lower bound) | 503 received / shown | refreshes per expiry |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        var regressions = new List<Action>();
        foreach (var scenario in scenarios)
        {
            var (row, opsPerSecond, pagesP99, peakMb) = await RunAsync(control, scenario);
            Console.WriteLine(row);
            if (Recorded.TryGetValue(scenario.Name, out var recorded))
            {
                regressions.Add(() =>
                {
                    Compare(scenario.Name, "ops/s", opsPerSecond, recorded.OpsPerSecond, higherIsBetter: true);
                    Compare(scenario.Name, "pages p99 ms", pagesP99, recorded.PagesP99, higherIsBetter: false);
                    Compare(scenario.Name, "app peak MB", peakMb, recorded.PeakMb, higherIsBetter: false);
                });
            }
        }

        // After the table, so that it stays one table.
        regressions.ForEach(r => r());
    }

    /// <summary>What each operation costs the portal, one user alone on a quiet portal: the mix the load runs is made of.</summary>
    static async Task CalibrateAsync(EmulatorControl control)
    {
        await using var app = await AppProcess.StartAsync(Settings(control, Path.Combine(Path.GetTempPath(), $"b24-load-{Guid.NewGuid():N}.db")), folder: Published.Folder);
        var portals = await InstallAsync(control, 1, [app]);
        Console.WriteLine("## What each operation costs the portal (one user on a quiet portal, a list of 24 contacts; a batch counts once)");
        Console.WriteLine("| operation | portal requests, first round | after every token expired | lower bound |");
        Console.WriteLine("|---|---:|---:|---:|");
        var user = new SimulatedUser(control, portals[0], 1, app.Url) { Counting = true };
        await user.OpenAsync();
        await user.RoundAsync();
        var first = user.Records.ToList();
        await control.ExpireAllAsync();
        user.Records.Clear();
        await user.RoundAsync();
        var second = user.Records.ToList();

        for (var i = 0; i < first.Count; i++)
        {
            var after = i == 0 ? "" : second[i - 1].PortalRequests.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Console.WriteLine($"| {first[i].Kind} | {first[i].PortalRequests} | {after} | {LowerBound(first[i].Kind, companies: false)} |");
        }

        Console.WriteLine();
    }

    static Dictionary<string, string?> Settings(EmulatorControl control, string database) => new()
    {
        ["Bitrix24:ClientId"] = "app.test",
        ["Bitrix24:ClientSecret"] = "test-secret",
        ["Bitrix24:OAuthServers:0"] = control.BaseAddress.ToString(),
        ["Bitrix24:AllowPrivateNetworkPortals"] = "true",
        // Every simulated user comes from 127.0.0.1: the per-address limit on portal POSTs would otherwise throttle them all as one.
        ["PortalPosts:PerAddressBurst"] = "1000000",
        ["PortalPosts:PerAddressPerSecond"] = "1000000",
        ["ConnectionStrings:Default"] = $"Data Source={database}",
    };

    static async Task<(string Row, double OpsPerSecond, double PagesP99, double PeakMb)> RunAsync(EmulatorControl control, Scenario scenario)
    {
        var database = Path.Combine(Path.GetTempPath(), $"b24-load-{Guid.NewGuid():N}.db");
        var settings = Settings(control, database);
        if (scenario.Database == "Postgres")
        {
            settings["Database:Provider"] = "Postgres";
            settings["ConnectionStrings:Default"] = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        }

        if (scenario.Redis)
        {
            settings["Redis:Configuration"] = (await RedisServer.GetAsync()).Configuration;
        }

        var instances = new List<AppProcess>();
        try
        {
            for (var i = 0; i < scenario.Instances; i++)
            {
                instances.Add(await AppProcess.StartAsync(settings, folder: Published.Folder));
            }

            var portals = await InstallAsync(control, scenario.Portals, instances);
            var afterInstalls = instances.Max(i => i.ResidentBytes);
            var users = portals.SelectMany((p, index) => Enumerable.Range(1, scenario.Users)
                .Select(u => new SimulatedUser(control, p, u, instances[((index * scenario.Users) + u) % instances.Count].Url))).ToList();
            var requestsBefore = await PortalRequestsAsync(control, portals);
            var oauthBefore = (await control.OAuthRequestsAsync()).Count;
            var cpuBefore = instances.Sum(i => i.CpuTime.TotalSeconds);
            var watch = Stopwatch.StartNew();

            await EachAsync(users, u => u.OpenAsync());
            await EachAsync(users, u => u.RoundAsync());
            var running = watch.Elapsed;
            await control.ExpireAllAsync();
            watch.Restart();
            await EachAsync(users, u => u.RoundAsync());
            running += watch.Elapsed;

            var cpu = instances.Sum(i => i.CpuTime.TotalSeconds) - cpuBefore;
            var requests = await PortalRequestsAsync(control, portals);
            var refreshes = (await control.OAuthRequestsAsync()).Skip(oauthBefore).Count(r => r.GrantType == "refresh_token");
            var records = users.SelectMany(u => u.Records).ToList();
            var pageRecords = records.Where(r => r.Kind is "lists" or "list" or "search").ToList();
            var pages = Percentiles(pageRecords);
            var actions = Percentiles(records.Where(r => r.Kind is "add" or "remove" or "form"));
            var opens = Percentiles(records.Where(r => r.Kind == "open"));
            var operations = records.Count;
            var lowerBound = records.Sum(r => LowerBound(r.Kind, r.Companies)) / (double)operations;
            var shown = users.Sum(u => u.Refusals);
            var received = requests.Rejected - requestsBefore.Rejected;
            var perOp = (requests.Sent - requestsBefore.Sent) / (double)operations;
            var peak = instances.Max(i => i.PeakBytes);
            var row = $"| {scenario.Name} | {operations:N0} | {operations / running.TotalSeconds:F0} | {pages} | {actions} | {opens.Split(" / ")[2]} | {cpu / running.TotalSeconds:F2} | {Mb(peak)} | {Mb(afterInstalls)} | {perOp:F2} ({lowerBound:F2}) | {received} / {shown} | {refreshes / (double)users.Count:F2} |";
            return (row, operations / running.TotalSeconds, Quantile(pageRecords.Select(r => r.Milliseconds).Order().ToList(), 0.99), peak / 1024.0 / 1024);
        }
        catch
        {
            foreach (var instance in instances)
            {
                Console.Error.WriteLine(instance.Output);
            }

            throw;
        }
        finally
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            foreach (var file in new[] { database, database + "-wal", database + "-shm" })
            {
                File.Delete(file);
            }
        }
    }


    /// <summary>Portals created in the emulator (at Bitrix24's default limit unless told otherwise) and the app installed in each, 16 at a time.</summary>
    static async Task<List<EmulatedPortal>> InstallAsync(EmulatorControl control, int count, List<AppProcess> instances, bool limited = true)
    {
        var portals = new EmulatedPortal[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, _) =>
        {
            var app = instances[i % instances.Count].Url;
            var portal = await control.CreatePortalAsync(app: new() { HandlerUrl = app.ToString(), InstallUrl = app + "install", EventHandlerUrl = app + "events" });
            if (limited)
            {
                await control.SetLimitsAsync(portal, drainPerSecond: 2, capacity: 50);
            }

            var answer = await control.InstallAsync(portal, new(Finish: true));
            if (answer.Status != 200)
            {
                throw new InvalidOperationException($"install answered {answer.Status}: {answer.Body}");
            }

            portals[i] = portal;
        });
        return [.. portals];
    }

    static async Task EachAsync(List<SimulatedUser> users, Func<SimulatedUser, Task> step) =>
        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = ActiveUsers }, async (user, _) => await step(user));

    /// <summary>HTTP requests the portals received (a batch counts once), and how many they refused with QUERY_LIMIT_EXCEEDED.</summary>
    static async Task<(int Sent, int Rejected)> PortalRequestsAsync(EmulatorControl control, List<EmulatedPortal> portals)
    {
        var sent = 0;
        var rejected = 0;
        await Parallel.ForEachAsync(portals, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (portal, _) =>
        {
            var log = await control.RequestsAsync(portal);
            Interlocked.Add(ref sent, log.Count(r => !r.InBatch));
            Interlocked.Add(ref rejected, log.Count(r => r.Status == 503 && r.Error == "QUERY_LIMIT_EXCEEDED"));
        });
        return (sent, rejected);
    }

    /// <summary>
    /// The fewest portal requests each operation can make, knowing only what earlier answers tell (a
    /// batch of up to 50 commands is one request): an open proves its token (1), then shows the lists;
    /// the lists page reads the lists and forms (1), then their creators and sizes (1); a list reads
    /// itself, its statuses, forms and items (1), the page's contacts (1) and their companies (1);
    /// a search reads the list's items beside the matches (1), then their companies (1); adding reads
    /// the list beside the chosen entries (1), writes (1) and shows the matches' companies (1);
    /// removing and changing the form read (1), write (1) and show the list's page (2). A list of
    /// companies needs no company names: one less wherever they are read.
    /// </summary>
    static int LowerBound(string kind, bool companies) => kind switch
    {
        "open" => 3,
        "lists" => 2,
        "list" => companies ? 2 : 3,
        "search" => companies ? 1 : 2,
        "add" => companies ? 2 : 3,
        "remove" or "form" => companies ? 3 : 4,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    static string Percentiles(IEnumerable<Record> records)
    {
        var sorted = records.Select(r => r.Milliseconds).Order().ToList();
        return sorted.Count == 0 ? "–" : $"{At(0.50)} / {At(0.95)} / {At(0.99)} ms";

        string At(double q) => Quantile(sorted, q).ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
    }

    static double Quantile(List<double> sorted, double q) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

    static string Mb(long bytes) => $"{bytes / 1024.0 / 1024:F0} MB";

    /// <param name="Companies">The user works on a list of companies.</param>
    public sealed record Record(string Kind, double Milliseconds, bool Companies, int PortalRequests = 0);

    /// <summary>One portal user in a browser: the page session from the open, form tokens from each page.</summary>
    sealed partial class SimulatedUser(EmulatorControl control, EmulatedPortal portal, int userId, Uri appUrl)
    {
        static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, MaxConnectionsPerServer = 256 }) { Timeout = TimeSpan.FromMinutes(5) };

        // User n works on the demo seed's list n: two lists of contacts, one of companies.
        int ListId => userId;

        bool Companies => ListId == 2;
        readonly Random _random = new(portal.MemberId.GetHashCode(StringComparison.Ordinal) + userId);
        string _session = "";

        public ConcurrentQueue<Record> Records { get; } = [];

        /// <summary>Set when the user is alone on its portal: each record then carries the portal requests it cost.</summary>
        public bool Counting { get; init; }

        /// <summary>Answers that were not the page the user asked for: errors, "the portal is busy", refusals.</summary>
        public int Refusals;

        public async Task OpenAsync()
        {
            var before = await CountAsync();
            var watch = Stopwatch.StartNew();
            var open = await control.OpenAsync(portal, new(UserId: userId, Lang: "en", Url: appUrl.ToString()));
            var milliseconds = watch.Elapsed.TotalMilliseconds;
            Records.Enqueue(new("open", milliseconds, Companies, await CountAsync() - before));
            var html = open.Body;
            Check(open.Status, html);
            _session = new AppPage(200, html).Session ?? "";
        }

        public async Task RoundAsync()
        {
            await PostAsync("lists", "lists");
            await PostAsync("list", $"lists/{ListId}");
            var search = await PostAsync("search", $"lists/{ListId}/add", ("q", ""));
            var free = SelectablePattern().Matches(search).Select(m => m.Groups[1].Value).OrderBy(_ => _random.Next()).Take(2).ToList();
            var added = await PostAsync("add", $"lists/{ListId}/add?handler=addselected", [("__form", new AppPage(200, search).FormTokenFor($"add:{ListId}") ?? ""), .. free.Select(id => ("selected", id))]);
            var list = await PostAsync("list", $"lists/{ListId}");
            var shown = new AppPage(200, list).FormShown ?? "";
            var removed = await PostAsync("remove", $"lists/{ListId}?handler=save",
                [("__form", new AppPage(200, list).FormTokenFor($"list:{ListId}") ?? ""), ("formShown", shown), ("form", shown), .. free.Select(id => ("remove", id))]);
            shown = new AppPage(200, removed).FormShown ?? "";
            await PostAsync("form", $"lists/{ListId}?handler=save",
                ("__form", new AppPage(200, removed).FormTokenFor($"list:{ListId}") ?? ""), ("formShown", shown), ("form", shown == "1" ? "3" : "1"));
            _ = added;
        }

        /// <summary>One load of the user's list page; its time in milliseconds.</summary>
        /// <summary>A list page: the user's wait, and the app's own part of it (its Server-Timing less the time it waited for the portal).</summary>
        public async Task<(double Total, double Own)> TimeListPageAsync()
        {
            var watch = Stopwatch.StartNew();
            using var response = await Http.PostAsync(new Uri(appUrl, $"lists/{ListId}?LANG=en"), new FormUrlEncodedContent([new("__session", _session)]));
            var html = await response.Content.ReadAsStringAsync();
            var total = watch.Elapsed.TotalMilliseconds;
            Check((int)response.StatusCode, html);
            var timing = ServerTimingPattern().Match(string.Join(", ", response.Headers.GetValues("Server-Timing")));
            double Duration(string name) => double.Parse(timing.Groups[name].Value, System.Globalization.CultureInfo.InvariantCulture);
            // What the user waited for beyond the portal's answers: the network, the queue and the app's own work.
            return (total, total - Duration("portal"));
        }

        async Task<string> PostAsync(string kind, string path, params (string Name, string Value)[] fields)
        {
            var body = new List<KeyValuePair<string, string>> { new("__session", _session) };
            body.AddRange(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value)));
            var before = await CountAsync();
            var watch = Stopwatch.StartNew();
            using var response = await Http.PostAsync(new Uri(appUrl, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "LANG=en"), new FormUrlEncodedContent(body));
            var html = await response.Content.ReadAsStringAsync();
            var milliseconds = watch.Elapsed.TotalMilliseconds;
            Records.Enqueue(new(kind, milliseconds, Companies, await CountAsync() - before));
            Check((int)response.StatusCode, html);
            _session = new AppPage(200, html).Session ?? _session;
            return html;
        }

        async Task<int> CountAsync()
        {
            if (!Counting)
            {
                return 0;
            }

            var log = await control.RequestsAsync(portal);
            if (Environment.GetEnvironmentVariable("LOAD_TRACE") == "1")
            {
                Console.Error.WriteLine("-- " + string.Join(", ", log.Skip(_traced).GroupBy(r => (r.Method, r.InBatch, r.Status)).Select(g => $"{g.Key.Method}{(g.Key.InBatch ? "[b]" : "")}:{g.Key.Status}×{g.Count()}")));
                _traced = log.Count;
            }

            return log.Count(r => !r.InBatch);
        }

        int _traced;

        void Check(int status, string html)
        {
            var page = new AppPage(status, html);
            if (status != 200 || page.AlertText.Length > 0)
            {
                if (Interlocked.Increment(ref Refusals) <= 3)
                {
                    Console.Error.WriteLine($"{portal.MemberId} user {userId}: {status} {page.MessageKey} {page.AlertText}");
                }
            }
        }

        [GeneratedRegex("portal;dur=(?<portal>[0-9.]+)")]
        private static partial Regex ServerTimingPattern();

        [GeneratedRegex("name=\"selected\" value=\"(\\d+)\"(?![^>]*disabled)")]
        private static partial Regex SelectablePattern();
    }
}
