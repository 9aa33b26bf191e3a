namespace Mailbox.Tests.Coroutines;

/// <summary>
/// The intrusive list behind the queued-request registry and the live list, on its own: a request leaves through its
/// own links, so a request that is not in the list (never added, or already taken) must leave the list untouched.
/// </summary>
public sealed class CoroutineListTests
{
    private static CoroutineRequest<int> Request() => new(null!, (Func<Task<int>>)(() => Task.FromResult(0)), default);

    [Fact]
    public void Remove_ARequestThatWasNeverAdded_LeavesTheListAsItWas()
    {
        var list = new CoroutineList();
        CoroutineRequest a = Request(), b = Request(), stranger = Request();
        list.Add(a);
        list.Add(b);

        list.Remove(stranger);

        Assert.Equal(2, list.Count);
        Assert.Equal([b, a], list.ToList());
    }

    [Fact]
    public void Remove_TheHeadTheMiddleAndTheTail_KeepsTheRestLinkedInOrder()
    {
        var list = new CoroutineList();
        CoroutineRequest a = Request(), b = Request(), c = Request(), d = Request();
        foreach (var r in new[] { a, b, c, d })
        {
            list.Add(r);
        }

        list.Remove(c); // middle
        list.Remove(d); // head
        list.Remove(a); // tail

        Assert.Equal([b], list.ToList());
        Assert.Equal(1, list.Count);
        Assert.Null(b.Previous);
        Assert.Null(b.Next);
    }

    [Fact]
    public void TakeAll_UnlinksEveryRequest_SoThatRemovingOneAfterwardsChangesNothing()
    {
        var list = new CoroutineList();
        CoroutineRequest a = Request(), b = Request(), later = Request();
        list.Add(a);
        list.Add(b);

        Assert.Equal([b, a], list.TakeAll());
        Assert.Equal(0, list.Count);
        Assert.All(new[] { a, b }, r => Assert.True(r.Previous is null && r.Next is null));

        list.Add(later);
        list.Remove(a); // taken already: its stale links must not be read as this list's
        list.Remove(b);

        Assert.Equal([later], list.ToList());
        Assert.Equal(1, list.Count);
    }
}
