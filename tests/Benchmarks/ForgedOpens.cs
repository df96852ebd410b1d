using System.Collections.Concurrent;
using System.Diagnostics;
using TestSupport;

namespace Benchmarks;

/// <summary>
/// Genuine opens per second with and without a flood of forged opens from one address: the per-address
/// limiter and the verification cap must keep the flood from starving real users, and the OAuth
/// calls the flood causes must be bounded by the limiter, not grow with the flood.
/// </summary>
public static class ForgedOpens
{
    const int Users = 16;
    const int ForgedPerSecond = 200;
    static readonly TimeSpan Phase = TimeSpan.FromSeconds(10);

    public static async Task RunAsync(EmulatorControl control)
    {
        var database = Path.Combine(Path.GetTempPath(), $"b24-bench-{Guid.NewGuid():N}.db");
        await using var app = AppInstances.Start(AppInstances.EmulatorSettings(control.BaseAddress, database, new Dictionary<string, string?>
        {
            ["Bitrix24:RateLimit:BurstLimit"] = "100000",
            ["Bitrix24:RateLimit:RequestsPerSecond"] = "100000",
        }), environment: "Production", minimumLevel: Microsoft.Extensions.Logging.LogLevel.Error);
        var appUrl = AppInstances.AddressOf(app);
        var portal = await control.CreatePortalAsync(app: new() { HandlerUrl = appUrl.ToString(), InstallUrl = appUrl + "install" });
        await control.InstallAsync(portal, new(Finish: true));

        // Warm-up (JIT, connection pools, the database), not measured.
        using (var warmUp = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await Task.WhenAll(Enumerable.Range(0, Users).Select(i => OpenRepeatedlyAsync(control, appUrl, portal, $"127.0.1.{10 + i}", warmUp.Token)));
        }

        Console.WriteLine($"## Genuine opens while one address floods the app with {ForgedPerSecond} forged opens a second");
        Console.WriteLine($"{Users} users, each on an address of its own, open the app back to back for {Phase.TotalSeconds:F0} s a phase; the app's default per-address limit (burst 100, 20/s).");
        Console.WriteLine("| phase | genuine opens/s | genuine failures | forged sent | forged answered 429 | OAuth calls caused by forgeries |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var flood in new[] { false, true })
        {
            var oauthBefore = (await control.OAuthRequestsAsync()).Count;
            await Task.Delay(TimeSpan.FromSeconds(6)); // every address's budget refills between phases
            using var stop = new CancellationTokenSource(Phase);
            var forged = flood ? FloodAsync(appUrl, portal, stop.Token) : Task.FromResult((Sent: 0, Limited: 0));
            var users = Enumerable.Range(0, Users).Select(i => OpenRepeatedlyAsync(control, appUrl, portal, $"127.0.0.{10 + i}", stop.Token)).ToList();
            var opens = await Task.WhenAll(users);
            var (sent, limited) = await forged;
            // A forged token is refused by the OAuth server: its app.info calls are the ones that failed.
            var forgedChecks = (await control.OAuthRequestsAsync()).Skip(oauthBefore).Count(r => r.Path == "/rest/app.info" && r.Error is not null);
            var genuine = opens.Sum(o => o.Succeeded);
            Console.WriteLine($"| {(flood ? "flood" : "quiet")} | {genuine / Phase.TotalSeconds:F1} | {opens.Sum(o => o.Failed)} | {sent} | {limited} | {forgedChecks} |");
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(database);
    }

    static async Task<(int Succeeded, int Failed)> OpenRepeatedlyAsync(EmulatorControl control, Uri appUrl, EmulatedPortal portal, string address, CancellationToken stop)
    {
        using var client = LoopbackClients.From(address);
        var (succeeded, failed) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            var fields = await control.FramePostFieldsAsync(portal, 2);
            using var response = await client.PostAsync(new Uri(appUrl, $"?DOMAIN={portal.Domain}&PROTOCOL=0"), new FormUrlEncodedContent(fields), CancellationToken.None);
            if (response.IsSuccessStatusCode)
            {
                succeeded++;
            }
            else
            {
                failed++;
            }
        }

        return (succeeded, failed);
    }

    static async Task<(int Sent, int Limited)> FloodAsync(Uri appUrl, EmulatedPortal portal, CancellationToken stop)
    {
        using var client = LoopbackClients.From("127.0.0.66");
        var answers = new ConcurrentBag<int>();
        var pending = new List<Task>();
        var interval = TimeSpan.FromSeconds(1.0 / ForgedPerSecond);
        var clock = Stopwatch.StartNew();
        var sent = 0;
        while (!stop.IsCancellationRequested)
        {
            var fields = new Dictionary<string, string>
            {
                ["AUTH_ID"] = $"forged{sent:D12}token",
                ["member_id"] = portal.MemberId,
                ["SERVER_ENDPOINT"] = portal.OAuthServer + "rest/",
            };
            pending.Add(SendAsync());
            sent++;
            var due = interval * sent - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                await Task.Delay(due, CancellationToken.None);
            }

            async Task SendAsync()
            {
                try
                {
                    using var response = await client.PostAsync(new Uri(appUrl, $"?DOMAIN={portal.Domain}&PROTOCOL=0"), new FormUrlEncodedContent(fields));
                    answers.Add((int)response.StatusCode);
                }
                catch (HttpRequestException)
                {
                    answers.Add(0);
                }
            }
        }

        await Task.WhenAll(pending);
        return (sent, answers.Count(a => a == 429));
    }
}
