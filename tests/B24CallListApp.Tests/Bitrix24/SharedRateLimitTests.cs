using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using TestSupport;

namespace B24CallListApp.Tests.Bitrix24;

/// <summary>Each portal's bucket shared in Redis by several app instances, and what happens while Redis is away.</summary>
[Collection(PortalClockCollection.Name)]
public sealed class SharedRateLimitTests(AppFixture app) : IClassFixture<AppFixture>
{
    EmulatorControl Control => app.Control;

    static Dictionary<string, string?> Limits(string redis) => new()
    {
        ["Bitrix24:RateLimit:BurstLimit"] = "10",
        ["Bitrix24:RateLimit:RequestsPerSecond"] = "20",
        ["Redis:Configuration"] = redis,
    };

    [Fact]
    public async Task Three_instances_on_one_portal_stay_under_its_limit_at_nine_tenths_of_it_or_more()
    {
        var redis = await RedisServer.GetAsync();
        var portal = await Control.CreatePortalAsync();
        await Control.SetLimitsAsync(portal, drainPerSecond: 20, capacity: 10);
        var store = new MemoryTokenStore();
        await using var first = new ClientHarness(Control, Limits(redis.Configuration), store);
        await using var second = new ClientHarness(Control, Limits(redis.Configuration), store);
        await using var third = new ClientHarness(Control, Limits(redis.Configuration), store);
        var account = first.Account(portal, portal.Admin);
        var instances = new[] { first, second, third };
        // Instances already serving: each has its connections to Redis and the portal, and its code compiled. A cold
        // start's first calls leave later than the bucket scheduled them (more than the jitter the burst allows
        // for, on a busy machine) and reach the portal together; that is not what this test measures.
        foreach (var instance in instances)
        {
            await instance.Client.CallAsync(account, "profile", null);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var warmUp = (await Control.RequestsAsync(portal)).Count;

        await Task.WhenAll(Enumerable.Range(0, 90).Select(i => instances[i % 3].Client.CallAsync(account, "profile", null)));

        var log = (await Control.RequestsAsync(portal)).Skip(warmUp).ToList();
        Assert.DoesNotContain(log, r => r.Status == 503);
        var accepted = log.Where(r => r.Status == 200).Select(r => r.At).Order().ToList();
        Assert.Equal(90, accepted.Count);
        // What the portal accepted per second once its burst was spent, on its own clock.
        var steady = (accepted.Count - 10) / ((accepted[^1] - accepted[9]) / 1000.0);
        Assert.True(steady >= 18, $"the portal accepted {steady:F1} requests a second of its 20");
        Assert.True(steady <= 21, $"the portal accepted {steady:F1} requests a second of its 20");
    }

    [Fact]
    public async Task While_redis_is_stopped_calls_keep_flowing_on_each_instances_own_bucket_and_sharing_resumes_when_it_is_back()
    {
        var redis = await RedisServer.StartNewAsync();
        try
        {
            var portal = await Control.CreatePortalAsync();
            await Control.SetLimitsAsync(portal, drainPerSecond: 20, capacity: 10);
            await using var harness = new ClientHarness(Control, Limits(redis.Configuration));
            var account = harness.Account(portal, portal.Admin);
            var health = harness.Get<HealthCheckService>();
            await using var observer = await ConnectionMultiplexer.ConnectAsync(redis.Configuration);
            var bucket = (RedisKey)("b24calllist:bucket:" + portal.MemberId);

            await CallsAsync(harness, account, 10);
            Assert.True(await observer.GetDatabase().KeyExistsAsync(bucket), "the bucket is not in Redis");
            Assert.Equal(HealthStatus.Healthy, (await health.CheckHealthAsync()).Entries["redis"].Status);

            redis.Stop();
            await CallsAsync(harness, account, 30);
            var degraded = (await health.CheckHealthAsync()).Entries["redis"];
            Assert.Equal(HealthStatus.Degraded, degraded.Status);
            Assert.Contains("on its own", degraded.Description, StringComparison.Ordinal);

            await redis.StartAsync();
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await health.CheckHealthAsync()).Entries["redis"].Status != HealthStatus.Healthy && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }

            // The restarted Redis is empty: a bucket there again means the instance shares it again.
            await CallsAsync(harness, account, 5);
            Assert.True(await observer.GetDatabase().KeyExistsAsync(bucket), "the instance did not go back to Redis");
            Assert.Equal(45, (await Control.RequestsAsync(portal)).Count(r => r.Method == "profile" && r.Status == 200));
        }
        finally
        {
            redis.Stop();
        }
    }

    [Fact]
    public async Task Healthz_says_degraded_but_answers_200_while_redis_is_away()
    {
        var redis = await RedisServer.StartNewAsync();
        try
        {
            await using var instance = app.CreateApp(settings: new Dictionary<string, string?> { ["Redis:Configuration"] = redis.Configuration });
            var healthz = new Uri(AppFixture.AddressOf(instance), "healthz");
            var healthy = await Health.WaitForAsync(app.Http, healthz, a => a.Status == 200);
            Assert.Equal((200, "Healthy", "Healthy"), (healthy.Status, (string)healthy.Body["status"]!, (string)healthy.Body["checks"]!["redis"]!["status"]!));

            redis.Stop();
            var degraded = await Health.WaitForAsync(app.Http, healthz, a => (string)a.Body["status"]! != "Healthy");
            Assert.Equal((200, "Degraded", "Degraded"), (degraded.Status, (string)degraded.Body["status"]!, (string)degraded.Body["checks"]!["redis"]!["status"]!));
            Assert.Equal("Healthy", (string)degraded.Body["checks"]!["database"]!["status"]!);
        }
        finally
        {
            redis.Stop();
        }
    }

    [Fact]
    public async Task Places_given_up_by_abandoned_calls_are_handed_back_to_those_still_waiting()
    {
        var redis = await RedisServer.GetAsync();
        await using var harness = new ClientHarness(Control, new()
        {
            ["Bitrix24:RateLimit:BurstLimit"] = "2",
            ["Bitrix24:RateLimit:RequestsPerSecond"] = "2",
            ["Redis:Configuration"] = redis.Configuration,
        });
        var buckets = harness.Get<IPortalBuckets>();
        Assert.IsType<RedisPortalBuckets>(buckets);
        var portal = "abandoned-" + Guid.NewGuid().ToString("N");
        Assert.True(await buckets.TakeAsync(portal, default));

        // Twenty callers take places five to ten seconds ahead, then their users leave the page.
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await buckets.TakeAsync(portal, gone.Token));
        }));

        // The next caller waits about one interval, not behind the twenty places nobody uses.
        var waited = System.Diagnostics.Stopwatch.StartNew();
        Assert.True(await buckets.TakeAsync(portal, default));
        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(2), $"the next caller waited {waited.Elapsed}");
    }

    [Fact]
    public void A_redis_configuration_that_is_not_one_stops_the_start_with_a_message_naming_the_key()
    {
        var error = Assert.ThrowsAny<Exception>(() => app.CreateApp(settings: new Dictionary<string, string?> { ["Redis:Configuration"] = "redis.internal:6379,bogus=1" }));
        Assert.Contains("Redis:Configuration", error.ToString(), StringComparison.Ordinal);
    }

    static async Task CallsAsync(ClientHarness harness, Bitrix24Account account, int count)
    {
        var results = await Task.WhenAll(Enumerable.Range(0, count).Select(_ => harness.Client.CallAsync(account, "profile", null)));
        Assert.All(results, r => Assert.Equal("1", r.Result.GetProperty("ID").GetString()));
    }
}
