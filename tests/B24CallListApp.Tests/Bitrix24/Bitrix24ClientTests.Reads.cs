using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using TestSupport;

namespace B24CallListApp.Tests.Bitrix24;

/// <summary>Paged reads: the fewest requests, every visible row, and a portal that misbehaves stopped with a typed error.</summary>
public sealed partial class Bitrix24ClientTests
{
    [Fact]
    public async Task Reading_5000_call_list_items_costs_at_most_3_requests()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync(seed: "empty");
        var (firstId, lastId) = await Control.AddContactsAsync(portal, 5000, assignedById: 1);
        var listId = await Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(firstId, 5000));
        var account = harness.Account(portal, portal.Admin);

        var rows = await harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = listId }, Bitrix24Paging.UntilAccessError);

        Assert.Equal(Enumerable.Range(firstId, 5000).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Select(r => r.GetProperty("ID").GetString()));
        var requests = (await Control.RequestsAsync(portal)).Count(r => !r.InBatch);
        Assert.InRange(requests, 1, 3);
        Assert.Equal(lastId, firstId + 4999);
    }

    [Theory]
    [InlineData(120, false, 1, 10)]
    [InlineData(120, true, 1, 4)]
    [InlineData(6000, false, 4, 160)]
    [InlineData(6000, true, 3, 121)]
    public async Task A_read_told_how_far_the_list_went_asks_for_its_pages_in_the_fewest_requests_and_none_past_its_end(int length, bool told, int requests, int pagesAsked)
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync(seed: "empty");
        var (firstId, _) = await Control.AddContactsAsync(portal, length, assignedById: 1);
        var listId = await Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(firstId, length));
        var account = harness.Account(portal, portal.Admin);
        Task<PagedRead> ReadAsync(int? expectedPages) => harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = listId },
            Bitrix24Paging.UntilAccessError, [new BatchCommand("crm.calllist.get", new JsonObject { ["ID"] = listId })], expectedPages: expectedPages);
        var earlier = await ReadAsync(null);
        var before = await Control.RequestsAsync(portal);

        var read = await ReadAsync(told ? earlier.PagesToEnd : null);

        Assert.Equal(length, read.Rows.Count);
        Assert.Equal(earlier.PagesToEnd, read.PagesToEnd);
        var log = (await Control.RequestsAsync(portal)).Skip(before.Count).ToList();
        Assert.Equal(requests, log.Count(r => !r.InBatch));
        // Every page asked for costs the portal operating time, the empty ones past the end too.
        Assert.Equal(pagesAsked, log.Count(r => r.InBatch && r.Method == "crm.calllist.items.get"));
    }

    [Fact]
    public async Task A_reader_who_may_not_see_every_participant_is_told_the_same_way_and_reads_the_same_rows()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Manager);
        Task<PagedRead> ReadAsync(int? expectedPages) => harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = 3 },
            Bitrix24Paging.UntilAccessError, [new BatchCommand("crm.calllist.get", new JsonObject { ["ID"] = 3 })], expectedPages: expectedPages);
        var earlier = await ReadAsync(null);
        var before = (await Control.RequestsAsync(portal)).Count;

        var read = await ReadAsync(earlier.PagesToEnd);

        // List 3 holds contacts 100..174 (two pages); the manager sees those with id % 3 == 1, on both.
        Assert.Equal(3, earlier.PagesToEnd);
        Assert.Equal(earlier.Rows.Select(r => r.GetProperty("ID").GetString()), read.Rows.Select(r => r.GetProperty("ID").GetString()));
        Assert.Equal(25, read.Rows.Count);
        var log = (await Control.RequestsAsync(portal)).Skip(before).ToList();
        Assert.Equal(1, log.Count(r => !r.InBatch));
        Assert.Equal(3, log.Count(r => r.InBatch && r.Method == "crm.calllist.items.get"));
    }

    [Fact]
    public async Task Reading_5000_contacts_uses_total_and_batches()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync(seed: "empty");
        await Control.AddContactsAsync(portal, 5000);
        var account = harness.Account(portal, portal.Admin);

        var rows = await harness.Client.ReadAllAsync(account, "crm.contact.list", new JsonObject { ["select"] = new JsonArray("ID") }, Bitrix24Paging.TotalAndNext);

        Assert.Equal(5000, rows.Select(r => r.GetProperty("ID").GetString()).Distinct().Count());
        Assert.InRange((await Control.RequestsAsync(portal)).Count(r => !r.InBatch), 1, 3);
    }

    [Fact]
    public async Task A_user_reading_a_list_with_hidden_participants_gets_every_visible_one()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync();
        var account = harness.Account(portal, portal.Manager);

        var rows = await harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = 3 }, Bitrix24Paging.UntilAccessError);

        // List 3 holds contacts 100..174; the manager reads those with id % 3 == 1.
        var expected = Enumerable.Range(100, 75).Where(id => id % 3 == 1).Select(id => id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(expected, rows.Select(r => r.GetProperty("ID").GetString()));

        var lists = await harness.Client.ReadAllAsync(account, "crm.calllist.list", null, Bitrix24Paging.UntilShortPage);
        Assert.Equal(3, lists.Count);
    }

    [Fact]
    public async Task An_answer_larger_than_the_cap_is_refused_with_a_typed_error_and_the_client_keeps_serving()
    {
        await using var harness = new ClientHarness(Control, new() { ["Bitrix24:MaxResponseBytes"] = "65536" });
        var hostile = await Control.CreatePortalAsync();
        var other = await Control.CreatePortalAsync();
        await Control.FaultAsync(hostile, new(Method: "profile", Status: 200, RawBody: "{\"result\":\"" + new string('x', 300_000) + "\"}"));

        await Assert.ThrowsAsync<Bitrix24ResponseTooLargeException>(() => harness.Client.CallAsync(harness.Account(hostile, hostile.Admin), "profile", null));

        var profile = await harness.Client.CallAsync(harness.Account(other, other.Admin), "profile", null);
        Assert.Equal("1", profile.Result.GetProperty("ID").GetString());
    }

    [Fact]
    public async Task A_portal_that_ignores_start_ends_a_read_without_duplicates_or_an_endless_loop()
    {
        await using var harness = new ClientHarness(Control);
        var portal = await Control.CreatePortalAsync(seed: "empty");
        var (first, _) = await Control.AddContactsAsync(portal, 200, assignedById: 1);
        foreach (var i in Enumerable.Range(0, 60))
        {
            await Control.AddCallListAsync(portal, "CONTACT", [first + i]);
        }

        var listId = await Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(first, 200));
        await Control.QuirksAsync(portal, new(IgnoreStart: true));
        var account = harness.Account(portal, portal.Admin);

        var lists = await harness.Client.ReadAllAsync(account, "crm.calllist.list", null, Bitrix24Paging.UntilShortPage);
        var contacts = await harness.Client.ReadAllAsync(account, "crm.contact.list", null, Bitrix24Paging.TotalAndNext);
        var items = await harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = listId }, Bitrix24Paging.UntilAccessError);

        foreach (var rows in new[] { lists, contacts, items })
        {
            Assert.Equal(50, rows.Count);
            Assert.Equal(50, rows.Select(r => r.GetProperty("ID").GetString()).Distinct().Count());
        }

        Assert.True((await Control.RequestsAsync(portal)).Count(r => !r.InBatch) <= 6);
    }

    [Fact]
    public async Task A_read_past_the_row_limit_stops_with_a_typed_error()
    {
        await using var harness = new ClientHarness(Control, new() { ["Bitrix24:MaxRowsPerRead"] = "120" });
        var portal = await Control.CreatePortalAsync(seed: "empty");
        var (first, _) = await Control.AddContactsAsync(portal, 500, assignedById: 1);
        var listId = await Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(first, 500));
        var account = harness.Account(portal, portal.Admin);

        await Assert.ThrowsAsync<Bitrix24ReadLimitException>(() => harness.Client.ReadAllAsync(account, "crm.contact.list", null, Bitrix24Paging.TotalAndNext));
        await Assert.ThrowsAsync<Bitrix24ReadLimitException>(() => harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = listId }, Bitrix24Paging.UntilAccessError));
        // Past the total the app refuses at once: the contacts' pages were never asked for.
        Assert.DoesNotContain(await Control.RequestsAsync(portal), r => r.Method == "crm.contact.list" && r.InBatch);
    }
}
