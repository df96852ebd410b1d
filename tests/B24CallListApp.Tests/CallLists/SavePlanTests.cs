using B24CallListApp.CallLists;

namespace B24CallListApp.Tests.CallLists;

/// <summary>
/// The save rules as a table, with no HTTP: what was read, what the user asked, what they may see, and
/// what the save comes to. List 7 holds contacts 1–5 with form 3; the portal has forms 1–3.
/// </summary>
public sealed class SavePlanTests
{
    static readonly CallListInfo Contacts = new(7, EntityKind.Contact, 1, null, WebFormId: 3);
    static readonly CallListInfo Companies = new(8, EntityKind.Company, 1, null, WebFormId: null);
    static readonly int[] Current = [1, 2, 3, 4, 5];
    static readonly CrmForm[] Forms = [new(1, "Contact form", true), new(2, "Callback", true), new(3, "Script", true)];

    /// <param name="readable">Ids the user's own token reads; null: every id asked about.</param>
    public sealed record Case(string Name, CallListChange Change, int[]? Readable = null, bool Admin = false, bool FromSearch = false, bool Companies = false,
        bool FormsUnknown = false, int Max = 100, string? Refusal = null, object[]? Arguments = null, int[]? Sent = null, int? FormSent = null, bool Nothing = false)
    {
        public override string ToString() => Name;
    }

    static CallListChange Add(params int[] ids) => new(ids, [], null);

    static CallListChange Remove(params int[] ids) => new([], ids, null);

    static CallListChange Form(int? id) => new([], [], new FormChoice(id));

    public static TheoryData<Case> Cases() =>
    [
        new("adding keeps everyone and the form", Add(6, 7), Sent: [1, 2, 3, 4, 5, 6, 7], FormSent: 3),
        new("an id twice is added once", Add(6, 6), Sent: [1, 2, 3, 4, 5, 6], FormSent: 3),
        new("an id already in the list is not added again", Add(2), Nothing: true),
        new("a record the user cannot read is refused by count", Add(6, 7, 8), Readable: [6], Refusal: "CannotAddUnreadable", Arguments: [2]),
        new("for an administrator an unreadable id is not a contact", Add(99), Readable: [], Admin: true, Refusal: "NotContacts", Arguments: [1]),
        new("for an administrator an unreadable id is not a company", Add(99), Readable: [], Admin: true, Companies: true, Refusal: "NotCompanies", Arguments: [1]),
        new("what the user's search found needs no check", Add(6, 7), Readable: [], FromSearch: true, Sent: [1, 2, 3, 4, 5, 6, 7], FormSent: 3),
        new("removing keeps the rest and the form", Remove(2, 4), Sent: [1, 3, 5], FormSent: 3),
        new("removing what is not in the list does nothing", Remove(42), Nothing: true),
        new("a user removes only what they can see", Remove(2, 4), Readable: [2], Refusal: "CannotRemoveHidden"),
        new("an administrator removes what their read holds", Remove(2, 4), Readable: [], Admin: true, Sent: [1, 3, 5], FormSent: 3),
        new("a list is never emptied", Remove(1, 2, 3, 4, 5), Refusal: "WouldEmpty"),
        new("a list grows no further than its limit", Add(6, 7), Max: 6, Refusal: "TooManyParticipants", Arguments: [6]),
        new("a change too large is refused before anything is checked", Add(6, 7, 8), Max: 2, Refusal: "TooManyParticipants", Arguments: [2]),
        new("a chosen form is sent", Form(1), Sent: [1, 2, 3, 4, 5], FormSent: 1),
        new("No form leaves WEBFORM_ID out", Form(null), Sent: [1, 2, 3, 4, 5], FormSent: null),
        new("a form the portal does not have is refused", Form(9), Refusal: "WrongForm", Arguments: [9]),
        new("without the portal's forms, the portal judges the id", Form(9), FormsUnknown: true, Sent: [1, 2, 3, 4, 5], FormSent: 9),
        new("choosing the current form changes nothing", Form(3), Nothing: true),
        new("a list without a form keeps having none", Add(6), Companies: true, Sent: [1, 2, 3, 4, 5, 6], FormSent: null),
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_rule(Case c)
    {
        var list = c.Companies ? Companies : Contacts;
        var asked = SavePlan.ToCheck(Current, c.Change, c.Admin, c.FromSearch);
        var readable = (c.Readable ?? asked.ToArray()).ToHashSet();

        var decision = SavePlan.Decide(list, Current, c.Change, new SaveVisibility(c.Admin, c.FromSearch, readable), c.FormsUnknown ? null : Forms, c.Max);

        switch (decision)
        {
            case SaveDecision.Refused refused:
                Assert.Equal(c.Refusal, refused.TextKey);
                Assert.Equal(c.Arguments ?? [], refused.Arguments);
                break;
            case SaveDecision.NothingToSave:
                Assert.True(c.Nothing, $"{c.Name}: nothing to save");
                break;
            case SaveDecision.Update update:
                Assert.Null(c.Refusal);
                Assert.False(c.Nothing);
                Assert.Equal(c.Sent, update.Entities);
                Assert.Equal(c.FormSent, update.FormId);
                // Every current participant the user did not remove is sent: nothing is lost.
                Assert.All(Current.Except(c.Change.Remove), id => Assert.Contains(id, update.Entities));
                break;
        }
    }

    [Fact]
    public void Only_new_additions_and_a_non_administrators_removals_are_checked()
    {
        var change = new CallListChange([2, 6, 6, 7], [4, 42], null);

        Assert.Equal([6, 7, 4], SavePlan.ToCheck(Current, change, userIsAdmin: false, fromSearch: false));
        Assert.Equal([6, 7], SavePlan.ToCheck(Current, change, userIsAdmin: true, fromSearch: false));
        Assert.Equal([4], SavePlan.ToCheck(Current, change, userIsAdmin: false, fromSearch: true));
    }
}
