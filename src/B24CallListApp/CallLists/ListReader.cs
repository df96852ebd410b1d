using B24CallListApp.Bitrix24;
using B24CallListApp.Portals;
using Microsoft.Extensions.Caching.Memory;

namespace B24CallListApp.CallLists;

/// <summary>No administrator's account proves itself one now, so the participants a user cannot see cannot be read, and a save could drop them.</summary>
public sealed class AdminNeededException() : Exception("No account of this portal is an administrator whose tokens work.");

/// <summary>The participants came back with a gap (a short page mid-list): the reader did not see them all, and a save could drop some.</summary>
public sealed class IncompleteReadException() : Exception("The call list's participants were not all read.");

/// <summary>What a save stands on: the list as the user reads it, and every participant, read by a proven administrator.</summary>
public sealed record SaveRead(ListSnapshot Own, IReadOnlyList<Participant> All, bool UserIsAdmin);

/// <summary>
/// The reads underneath every page and save. What a user sees is read with their own token: the list
/// (which proves they may read it), its participants, statuses and forms. Only a save reads the
/// whole participant set with an administrator's account, and only when <c>user.admin</c>, asked with
/// that account in the same batch, says it still is one: rights change at any time.
/// </summary>
public sealed class ListReader(Bitrix24Client client, PortalStore store, PortalFailures failures, IMemoryCache cache, ILogger<ListReader> logger)
{
    /// <summary>How long the length of an account's last read of a list sizes its next read's batches.</summary>
    static readonly TimeSpan LengthLifetime = TimeSpan.FromMinutes(10);

    /// <summary>One read of a list with one account.</summary>
    /// <param name="Admin">What <c>user.admin</c> said of the account in the same batch; null when it was not asked or did not answer.</param>
    sealed record ListRead(ListSnapshot Snapshot, bool? Admin, bool Gapless);

    static BatchCommand IsAdminCommand => new UserAdmin().Command();

    /// <summary>The list as the user's own token reads it; refused as not found when the portal says the user may not read it.</summary>
    public async Task<ListSnapshot> ReadOwnAsync(Actor actor, int listId, CancellationToken ct) =>
        (await ReadWithAsync(actor.Account, listId, details: true, proveAdmin: false, ct)).Snapshot;

    /// <summary>
    /// The list's participants in one paged read, with <c>crm.calllist.get</c> in its first batch; with
    /// <paramref name="details"/> the statuses and forms too, with <paramref name="proveAdmin"/> <c>user.admin</c>.
    /// </summary>
    async Task<ListRead> ReadWithAsync(Bitrix24Account account, int listId, bool details, bool proveAdmin, CancellationToken ct)
    {
        List<BatchCommand> companions = [new CallListGet(listId).Command()];
        if (details)
        {
            companions.AddRange([new CallListStatuses().Command(), new CrmWebForms().Command()]);
        }

        if (proveAdmin)
        {
            companions.Add(IsAdminCommand);
        }

        var items = new CallListItems(listId);
        PagedRead read;
        try
        {
            // The length this account's last read found sizes the batches: a list of thousands is read in as few
            // requests as batch allows, a short one asks no page past its end. It never decides what is shown.
            var lengthKey = ("list-pages", account.Key.MemberId, account.Key.UserId, listId);
            read = await client.ReadAllAsync(account, items.Method, items.Parameters(), items.Paging, companions, ct,
                cache.TryGetValue(lengthKey, out int pages) ? pages : null);
            // A read with gaps (participants the account may not see) tells its pages all the same.
            cache.Set(lengthKey, read.PagesToEnd, LengthLifetime);
        }
        catch (Bitrix24ApiException e) when (e.Code == "LIST_ID_ERROR")
        {
            throw new CallListNotFoundException(listId);
        }

        if (read.Companions[0].Error is { } error)
        {
            throw error.Code == "LIST_ID_ERROR" ? new CallListNotFoundException(listId) : error;
        }

        var list = CallListGet.Parse(read.Companions[0].Result!.Value) ?? throw new CallListNotFoundException(listId);
        var statuses = details ? CallListStatuses.Parse(read.Companions[1].Result) : [];
        var forms = details ? CrmWebForms.Read(read.Companions[2]) : null;
        var participants = items.ParseAll(read.Rows);
        bool? admin = proveAdmin ? UserAdmin.Read(read.Companions[^1]) : null;
        return new ListRead(new ListSnapshot(list, participants, statuses, forms), admin, read.Gapless);
    }

    /// <summary>
    /// The user's own read beside every participant, read by an administrator proven in the same batch:
    /// the user themselves when they are one, else the portal's other administrators, most recently
    /// seen first. An account that is no longer an administrator loses its flag and the next is tried;
    /// when none is left the save cannot be made safely.
    /// </summary>
    public async Task<SaveRead> ReadForSaveAsync(Actor actor, int listId, CancellationToken ct)
    {
        if (actor.Admin)
        {
            var self = await ReadWithAsync(actor.Account, listId, details: true, proveAdmin: true, ct);
            if (self.Admin == true)
            {
                return self.Gapless ? new SaveRead(self.Snapshot, self.Snapshot.Participants, UserIsAdmin: true) : throw new IncompleteReadException();
            }

            await NoLongerAdminAsync(actor.Account, self.Admin, ct);
            return new SaveRead(self.Snapshot, await ReadAsAdministratorAsync(actor, listId, ct), UserIsAdmin: false);
        }

        // The user's read and the administrator's go out together; the user's answer speaks first.
        var own = ReadOwnAsync(actor, listId, ct);
        var all = ReadAsAdministratorAsync(actor, listId, ct);
        try
        {
            await Task.WhenAll(own, all);
        }
        catch when (own.IsFaulted)
        {
            await own;
        }

        return new SaveRead(await own, await all, UserIsAdmin: false);
    }

    async Task<IReadOnlyList<Participant>> ReadAsAdministratorAsync(Actor actor, int listId, CancellationToken ct)
    {
        var admins = (await store.WorkingAdminsAsync(actor.MemberId, ct)).Where(id => id != actor.UserId).Take(3);
        foreach (var userId in admins)
        {
            var reader = PortalStore.AccountOf(actor.Portal, userId);
            ListRead read;
            try
            {
                read = await ReadWithAsync(reader, listId, details: false, proveAdmin: true, ct);
            }
            catch (Bitrix24Exception e) when (e is Bitrix24ReinstallRequiredException or Bitrix24AppDeletedException or Bitrix24AuthException)
            {
                // This administrator's tokens are dead: recorded on their account, not the user's; another may do.
                await failures.RecordAsync(reader.Key, e, ct);
                continue;
            }
            catch (CallListNotFoundException)
            {
                // An administrator sees every list: this one is gone, unless the reader was demoted and may not see it.
                if (await StillAdminAsync(reader, ct))
                {
                    throw;
                }

                continue;
            }

            if (read.Admin != true)
            {
                await NoLongerAdminAsync(reader, read.Admin, ct);
                continue;
            }

            return read.Gapless ? read.Snapshot.Participants : throw new IncompleteReadException();
        }

        throw new AdminNeededException();
    }

    async Task<bool> StillAdminAsync(Bitrix24Account reader, CancellationToken ct)
    {
        var answer = UserAdmin.Read((await client.BatchAsync(reader, [IsAdminCommand], ct: ct))[0]);
        await NoLongerAdminAsync(reader, answer, ct);
        return answer == true;
    }

    /// <summary>An account the portal says is not an administrator (false, not a missing answer) loses its flag until it opens the app as one.</summary>
    async Task NoLongerAdminAsync(Bitrix24Account account, bool? answer, CancellationToken ct)
    {
        if (answer == false)
        {
            logger.LogInformation("Account {Account} is no longer an administrator of its portal", account.Key);
            await store.SetAdminAsync(account.Key, false, ct);
        }
    }
}
