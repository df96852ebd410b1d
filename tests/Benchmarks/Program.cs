using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using PortalEmulator;
using TestSupport;

// Figures for the README: requests and time to read call lists, refreshes per expiry, and
// throughput under a portal's rate limit. Runs against the portal emulator over loopback HTTP.
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
await using var emulatorApp = await EmulatorApp.StartAsync(o => { o.DrainPerSecond = 1000; o.BucketCapacity = 1000; });
using var control = new EmulatorControl(new Uri(emulatorApp.Urls.First()));
// Sections by name (`dotnet run -c Release -- flood`); all of them without arguments.
string[] sections = ["workspace", "pace", "startup", "load", "flood", "client"];
bool Runs(string section) => args.Length == 0 || args.Contains(section);
// Other words pick load scenarios by name (`-- load "100 portals"`).
var scenarioWords = args.Except(sections).ToList();

if (Runs("workspace"))
{
    await Benchmarks.WorkspaceCosts.RunAsync(control);
    Console.WriteLine();
}

if (Runs("pace"))
{
    await Benchmarks.LoadRun.PaceAsync(control);
    Console.WriteLine();
}

if (Runs("startup"))
{
    await Benchmarks.LoadRun.StartupAsync(control);
    Console.WriteLine();
}

if (Runs("load"))
{
    await Benchmarks.LoadRun.RunAsync(control, Benchmarks.LoadRun.Scenarios.Where(s => scenarioWords.Count == 0 || scenarioWords.Any(w => s.Name.Contains(w, StringComparison.OrdinalIgnoreCase))));
    Console.WriteLine();
}

if (Runs("flood"))
{
    await Benchmarks.ForgedOpens.RunAsync(control);
    Console.WriteLine();
}

if (!Runs("client"))
{
    return;
}

Console.WriteLine("## Reading call-list items (crm.calllist.items.get)");
Console.WriteLine("| items | helper: requests | helper: ms | page by page: requests | page by page: ms | page by page at 2/s after a burst of 50: s (computed) |");
Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
foreach (var n in new[] { 50, 500, 5000 })
{
    var portal = await control.CreatePortalAsync(seed: "empty");
    var (first, _) = await control.AddContactsAsync(portal, n, assignedById: 1);
    var listId = await control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(first, n));
    await using var harness = new ClientHarness(control);
    var account = harness.Account(portal, portal.Admin);
    var parameters = new JsonObject { ["LIST_ID"] = listId };

    var before = (await control.RequestsAsync(portal)).Count(r => !r.InBatch);
    var watch = Stopwatch.StartNew();
    var rows = await harness.Client.ReadAllAsync(account, "crm.calllist.items.get", parameters, Bitrix24Paging.UntilAccessError);
    var helperMs = watch.ElapsedMilliseconds;
    var helperRequests = (await control.RequestsAsync(portal)).Count(r => !r.InBatch) - before;
    Check(rows.Count == n, $"helper read {rows.Count} of {n}");

    before = (await control.RequestsAsync(portal)).Count(r => !r.InBatch);
    watch.Restart();
    var read = 0;
    for (var start = 0; ; start += 50)
    {
        parameters["start"] = start;
        try
        {
            read += (await harness.Client.CallAsync(account, "crm.calllist.items.get", parameters)).Result.GetArrayLength();
        }
        catch (Bitrix24AccessDeniedException)
        {
            break;
        }
    }

    var naiveMs = watch.ElapsedMilliseconds;
    var naiveRequests = (await control.RequestsAsync(portal)).Count(r => !r.InBatch) - before;
    Check(read == n, $"page by page read {read} of {n}");
    // The first 50 requests pass at once; every one after waits its turn at 2 a second.
    Console.WriteLine($"| {n} | {helperRequests} | {helperMs} | {naiveRequests} | {naiveMs} | {Math.Max(0, naiveRequests - 50) / 2.0:F1} |");
}

Console.WriteLine();
Console.WriteLine("## Token refreshes per expiry");
Console.WriteLine("| concurrent callers | refreshes | all calls succeeded |");
Console.WriteLine("|---:|---:|---|");
foreach (var callers in new[] { 1, 10, 100 })
{
    var portal = await control.CreatePortalAsync();
    await using var harness = new ClientHarness(control);
    var account = harness.Account(portal, portal.Admin);
    await control.ExpireAsync(portal.Admin.AccessToken);
    var before = (await control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token");
    var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(_ => harness.Client.CallAsync(account, "profile", null)));
    var refreshes = (await control.OAuthRequestsAsync()).Count(r => r.GrantType == "refresh_token") - before;
    Console.WriteLine($"| {callers} | {refreshes} | {results.Length == callers} |");
}

Console.WriteLine();
Console.WriteLine("## Throughput against a portal's limit (bucket 10, 20 requests/s drain), counted by the portal");
Console.WriteLine("| client limiter | calls | wall time | accepted by the portal per second (after its burst) | of the portal's limit | 503 QUERY_LIMIT_EXCEEDED answers |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
var redis = (await RedisServer.GetAsync()).Configuration;
foreach (var (name, burst, rate, instances, shared) in new[]
{
    ("matched to the portal (10, 20/s)", "10", "20", 1, false),
    ("above the portal (100, 40/s)", "100", "40", 1, false),
    ("matched, 3 instances each on its own", "10", "20", 3, false),
    ("matched, 3 instances sharing the bucket in Redis", "10", "20", 3, true),
})
{
    const int calls = 200;
    var portal = await control.CreatePortalAsync();
    await control.SetLimitsAsync(portal, drainPerSecond: 20, capacity: 10);
    var store = new MemoryTokenStore();
    var harnesses = Enumerable.Range(0, instances).Select(_ => new ClientHarness(control, new()
    {
        ["Bitrix24:RateLimit:BurstLimit"] = burst,
        ["Bitrix24:RateLimit:RequestsPerSecond"] = rate,
        ["Bitrix24:MaxRetries"] = "10",
        ["Redis:Configuration"] = shared ? redis : null,
    }, store)).ToList();
    var account = harnesses[0].Account(portal, portal.Admin);
    var watch = Stopwatch.StartNew();
    await Task.WhenAll(Enumerable.Range(0, calls).Select(i => harnesses[i % instances].Client.CallAsync(account, "profile", null)));
    var seconds = watch.Elapsed.TotalSeconds;
    foreach (var harness in harnesses)
    {
        await harness.DisposeAsync();
    }

    var log = await control.RequestsAsync(portal);
    var accepted = log.Where(r => r.Status == 200).Select(r => r.At).Order().ToList();
    var rejected = log.Count(r => r.Status == 503);
    // What the portal accepted per second once its burst of 10 was spent, on its own clock.
    var steady = (accepted.Count - 10) / ((accepted[^1] - accepted[9]) / 1000.0);
    Check(accepted.Count == calls, $"the portal accepted {accepted.Count} of {calls}");
    Console.WriteLine($"| {name} | {calls} | {seconds:F2} s | {steady:F1} | {steady / 20:P0} | {rejected} |");
}

static void Check(bool condition, string message)
{
    if (!condition)
    {
        throw new InvalidOperationException(message);
    }
}
