using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using TestSupport;

namespace B24CallListApp.Tests.Bitrix24;

/// <summary>Batches and the portal's limits: each command answered on its own, creates never repeated, time limits and other apps' load respected.</summary>
public sealed partial class Bitrix24ClientTests
{
    [Fact]
    public async Task Batch_results_belong_to_their_own_commands_whatever_fails_between()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        var ids = new[] { 3, 99, 1, 98, 2 };

        var results = await harness.Client.BatchAsync(account, ids.Select(id => new BatchCommand("crm.calllist.get", new JsonObject { ["ID"] = id })).ToList());

        for (var i = 0; i < ids.Length; i++)
        {
            if (ids[i] > 3)
            {
                Assert.Equal("LIST_ID_ERROR", results[i].Error!.Code);
            }
            else
            {
                Assert.Equal(ids[i].ToString(System.Globalization.CultureInfo.InvariantCulture), results[i].Result!.Value.GetProperty("ID").GetString());
            }
        }
    }

    [Fact]
    public async Task A_batch_holding_a_create_is_never_repeated_after_a_server_error()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        await Control.FaultAsync(portal, new(Method: "batch", Count: 3, Status: 500, Error: "INTERNAL_SERVER_ERROR"));

        await Assert.ThrowsAsync<Bitrix24ApiException>(() => harness.Client.BatchAsync(account,
            [new BatchCommand("crm.calllist.get", new JsonObject { ["ID"] = 1 }), new BatchCommand("crm.calllist.add", new JsonObject { ["ENTITY_TYPE"] = "CONTACT", ["ENTITIES"] = new JsonArray(1, 2) })]));

        Assert.Single(await Control.RequestsAsync(portal), r => r.Method == "batch");
    }

    [Fact]
    public async Task After_operation_time_limit_the_method_is_not_called_again_until_its_reset()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var harness = new ClientHarness(Control, time: clock);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        await harness.Client.CallAsync(account, "crm.contact.list", null);
        await Control.AddOperatingTimeAsync(portal, "crm.contact.list", 500);

        var first = await Assert.ThrowsAsync<Bitrix24OperationTimeLimitException>(() => harness.Client.CallAsync(account, "crm.contact.list", null));
        var reached = (await Control.RequestsAsync(portal)).Count(r => r.Method == "crm.contact.list");
        var second = await Assert.ThrowsAsync<Bitrix24OperationTimeLimitException>(() => harness.Client.CallAsync(account, "crm.contact.list", null));

        // Refused here, without asking the portal, until the reset the portal announced (about ten minutes away).
        Assert.Equal(reached, (await Control.RequestsAsync(portal)).Count(r => r.Method == "crm.contact.list"));
        Assert.Equal(first.ResetAt, second.ResetAt);
        Assert.InRange(first.ResetAt - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(11));
        await harness.Client.CallAsync(account, "crm.calllist.list", null);
        clock.Advance(first.ResetAt - clock.GetUtcNow() + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<Bitrix24OperationTimeLimitException>(() => harness.Client.CallAsync(account, "crm.contact.list", null));
        Assert.Equal(reached + 1, (await Control.RequestsAsync(portal)).Count(r => r.Method == "crm.contact.list"));
    }

    [Fact]
    public async Task Another_app_spending_the_portals_bucket_slows_the_client_but_its_callers_still_get_answers()
    {
        await using var harness = new ClientHarness(Control, new()
        {
            ["Bitrix24:RateLimit:BurstLimit"] = "50",
            ["Bitrix24:RateLimit:RequestsPerSecond"] = "2",
            ["Bitrix24:MaxRetries"] = "6",
        });
        var portal = await Control.CreatePortalAsync();
        await Control.SetLimitsAsync(portal, drainPerSecond: 2, capacity: 50);
        var account = harness.Account(portal, portal.Admin);
        var load = await Control.LoadAsync(portal, 50);
        Assert.Equal(50, load.Accepted);

        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => harness.Client.CallAsync(account, "crm.calllist.list", null)));

        Assert.All(results, r => Assert.Equal(3, r.Result.GetArrayLength()));
        Assert.Contains(await Control.RequestsAsync(portal), r => r.Status == 503);
    }

    [Fact]
    public async Task Batch_reports_each_commands_error_and_splits_past_50()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Admin);
        var commands = Enumerable.Range(1, 120).Select(i => new BatchCommand("crm.calllist.get", new JsonObject { ["ID"] = i % 4 })).ToList();

        var results = await harness.Client.BatchAsync(account, commands);

        Assert.Equal(120, results.Count);
        Assert.All(results.Where((_, i) => (i + 1) % 4 == 0), r => Assert.Equal("LIST_ID_ERROR", r.Error!.Code));
        Assert.All(results.Where((_, i) => (i + 1) % 4 != 0), r => Assert.Null(r.Error));
        Assert.Equal(3, (await Control.RequestsAsync(portal)).Count(r => r.Method == "batch"));
    }
}
