using System.Text.Json.Nodes;
using B24CallListApp.Bitrix24;
using TestSupport;

namespace B24CallListApp.Tests.Bitrix24;

/// <summary>
/// A hostile portal cannot make one read hold unbounded memory: rows are kept as the fields the app
/// uses, and a read stops at <c>Bitrix24:MaxReadBytes</c>. The portal answers batches of nearly 16 MiB
/// (the largest answer the app reads): 50 pages of 50 rows, each row padded with 6 KB.
/// </summary>
[Collection(MemoryMeasuredCollection.Name)]
public sealed class ReadMemoryTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>
{
    const int Rows = 2500;

    async Task<(EmulatedPortal Portal, int ListId)> HostilePortalAsync()
    {
        var portal = await emulator.Control.CreatePortalAsync(seed: "empty");
        var (first, last) = await emulator.Control.AddContactsAsync(portal, Rows, assignedById: 1);
        var list = await emulator.Control.AddCallListAsync(portal, "CONTACT", Enumerable.Range(first, last - first + 1));
        await emulator.Control.QuirksAsync(portal, new(PadRowsBytes: 6000));
        return (portal, list);
    }

    [Fact]
    public async Task Rows_are_kept_as_the_fields_the_app_uses_whatever_the_portal_sends()
    {
        await using var harness = new ClientHarness(emulator.Control);
        var (portal, list) = await HostilePortalAsync();
        var account = harness.Account(portal, portal.Admin);

        var rows = await harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = list }, Bitrix24Paging.UntilAccessError);

        Assert.Equal(Rows, rows.Count);
        Assert.All(rows, r => Assert.False(r.TryGetProperty("PADDING", out _)));
        Assert.Equal(["ID", "STATUS"], rows[0].EnumerateObject().Select(p => p.Name));
        // The portal sent 15 MB of rows; each row the read keeps is a small document of its own, tens of bytes.
        var kept = rows.Sum(r => (long)System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(r).Length);
        Assert.True(kept < Rows * 64L, $"the read kept {kept:N0} bytes of JSON for {Rows} rows");
    }

    [Fact]
    public async Task A_read_stops_with_a_typed_error_past_its_byte_cap_and_memory_stays_bounded()
    {
        await using var harness = new ClientHarness(emulator.Control, new() { ["Bitrix24:MaxReadBytes"] = (4 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var (portal, list) = await HostilePortalAsync();
        var account = harness.Account(portal, portal.Admin);

        var before = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false) - before);
                await Task.Delay(5);
            }
        });
        var error = await Assert.ThrowsAsync<Bitrix24ReadLimitException>(() =>
            harness.Client.ReadAllAsync(account, "crm.calllist.items.get", new JsonObject { ["LIST_ID"] = list }, Bitrix24Paging.UntilAccessError));
        await sampling.CancelAsync();
        await sampler;

        Assert.Contains("bytes of rows", error.Message, StringComparison.Ordinal);
        // One answer of up to 16 MiB is buffered, parsed and cloned at a time: a bounded peak, whatever the list's length.
        Assert.True(peak < 160L * 1024 * 1024, $"the read peaked at {peak:N0} bytes");

        // The client keeps serving the same portal.
        var profile = await harness.Client.CallAsync(account, "profile", null);
        Assert.Equal("1", profile.Result.GetProperty("ID").GetString());
    }
}
