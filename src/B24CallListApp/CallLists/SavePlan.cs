namespace B24CallListApp.CallLists;

/// <summary>Who the user is to this save: the records they may read among those they chose, and whether they are a proven administrator.</summary>
/// <param name="UserIsAdmin">The user's own account read the whole list, proven an administrator in the same batch.</param>
/// <param name="FromSearch">The additions were found by the user's own search, so they exist, are of the list's kind and are readable.</param>
/// <param name="Readable">Of the ids <see cref="SavePlan.ToCheck"/> named, those the user's own token reads.</param>
public sealed record SaveVisibility(bool UserIsAdmin, bool FromSearch, IReadOnlySet<int> Readable);

/// <summary>What a save comes to: a refusal (nothing is sent), nothing to do, or one <c>crm.calllist.update</c>.</summary>
public abstract record SaveDecision
{
    private SaveDecision()
    {
    }

    /// <param name="TextKey">The sentence in Resources/SharedResource.resx that says why.</param>
    public sealed record Refused(string TextKey, IReadOnlyList<object> Arguments, int HttpStatus = 400) : SaveDecision;

    public sealed record NothingToSave : SaveDecision;

    /// <param name="Entities">The whole participant set to send: current + added − removed.</param>
    /// <param name="FormId">The form to send; null only when the user chose "No form" (left out, WEBFORM_ID clears it).</param>
    public sealed record Update(IReadOnlyList<int> Entities, int? FormId, IReadOnlyList<int> Added, IReadOnlyList<int> Removed, bool FormChanged) : SaveDecision;
}

/// <summary>
/// The rules of a save that loses nothing, as a pure function of what was read and what the user asked:
/// every current participant stays unless the user removed it and may see it, additions must be records
/// the user may read, the list never empties nor grows past its limit, and the form is the one chosen or
/// else the current one. No HTTP here: the saver reads, asks this, and sends what it says.
/// </summary>
public static class SavePlan
{
    /// <summary>The ids whose visibility to the user the decision needs: new additions (unless found by the user's search) and, for a non-administrator, removals.</summary>
    public static IReadOnlyList<int> ToCheck(IReadOnlyCollection<int> current, CallListChange change, bool userIsAdmin, bool fromSearch)
    {
        var (toAdd, toRemove) = Split(current.ToHashSet(), change);
        return (fromSearch ? [] : toAdd).Concat(userIsAdmin ? [] : toRemove).Distinct().ToList();
    }

    /// <summary>A change too large to check at all: refused before anything is read for it.</summary>
    public static SaveDecision.Refused? TooLarge(CallListChange change, int maxParticipants) =>
        change.Add.Distinct().Count() + change.Remove.Count > maxParticipants ? TooMany(maxParticipants) : null;

    /// <param name="list">The list as read: its kind and current form.</param>
    /// <param name="current">Every participant, read by an account that sees them all.</param>
    /// <param name="forms">The portal's forms as the user reads them; null when the portal cannot list them (any id is then let through to the portal).</param>
    public static SaveDecision Decide(CallListInfo list, IReadOnlyCollection<int> current, CallListChange change, SaveVisibility visibility, IReadOnlyList<CrmForm>? forms, int maxParticipants)
    {
        if (TooLarge(change, maxParticipants) is { } tooLarge)
        {
            return tooLarge;
        }

        var currentIds = current.ToHashSet();
        var (toAdd, toRemove) = Split(currentIds, change);

        // Records the user cannot read are counted, never named: a name would come from another account's read.
        var unreadable = visibility.FromSearch ? 0 : toAdd.Count(id => !visibility.Readable.Contains(id));
        if (unreadable > 0)
        {
            return visibility.UserIsAdmin
                ? Refuse(list.Kind == EntityKind.Company ? "NotCompanies" : "NotContacts", unreadable)
                : Refuse("CannotAddUnreadable", unreadable);
        }

        // A user removes only what they can see: anything else would drop a participant hidden from them.
        if (!visibility.UserIsAdmin && toRemove.Any(id => !visibility.Readable.Contains(id)))
        {
            return Refuse("CannotRemoveHidden");
        }

        var removeSet = toRemove.ToHashSet();
        var next = current.Where(id => !removeSet.Contains(id)).Concat(toAdd).ToList();
        if (next.Count == 0)
        {
            return Refuse("WouldEmpty");
        }

        if (next.Count > maxParticipants)
        {
            return TooMany(maxParticipants);
        }

        var formId = change.Form is { } chosen ? chosen.FormId : list.WebFormId;
        if (formId is { } wanted && forms is not null && forms.All(f => f.Id != wanted))
        {
            return Refuse("WrongForm", wanted);
        }

        var formChanged = formId != list.WebFormId;
        return toAdd.Count == 0 && toRemove.Count == 0 && !formChanged
            ? new SaveDecision.NothingToSave()
            : new SaveDecision.Update(next, formId, toAdd, toRemove, formChanged);
    }

    /// <summary>What the change really adds (not yet in the list, each once) and removes (in the list).</summary>
    static (List<int> ToAdd, List<int> ToRemove) Split(HashSet<int> current, CallListChange change) =>
        (change.Add.Distinct().Where(id => !current.Contains(id)).ToList(), change.Remove.Distinct().Where(current.Contains).ToList());

    static SaveDecision.Refused Refuse(string textKey, params object[] arguments) => new(textKey, arguments);

    static SaveDecision.Refused TooMany(int maxParticipants) => Refuse("TooManyParticipants", maxParticipants);
}
