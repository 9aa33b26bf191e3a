namespace Mailbox.Tests.Lanes;

/// <summary>
/// The control lane on its own, driven as senders and the loop drive it: messages come out oldest first, the pending
/// flag tells the loop whether to look, and once the lane is closed nothing more gets in and what was left is handed
/// back.
/// </summary>
public sealed class ControlLaneTests
{
    private static ControlMessage Query(int tag) => new(ControlKind.Query, tag);

    /// <summary>Takes a batch and hands out all of it, as the loop's control step does.</summary>
    private static List<ControlMessage> Take(ControlLane lane)
    {
        lane.TakeAll();
        var taken = new List<ControlMessage>();
        while (lane.TryNext(out var message))
        {
            taken.Add(message);
        }

        return taken;
    }

    [Fact]
    public void TakeAll_MessagesSent_ComeOutOldestFirstAndClearThePendingFlag()
    {
        var lane = new ControlLane();
        Assert.False(lane.HasPending);

        Assert.True(lane.TrySend(Query(1)));
        Assert.True(lane.HasPending);
        Assert.True(lane.TrySend(Query(2)));

        var taken = Take(lane);

        Assert.Equal([1, 2], taken.Select(m => (int)m.Payload!));
        Assert.False(lane.HasPending);
    }

    [Fact]
    public void TakeAll_SendsAfterATake_ComeInTheNextTakeOnly()
    {
        var lane = new ControlLane();
        lane.TrySend(Query(1));
        Assert.Equal([1], Take(lane).Select(m => (int)m.Payload!));

        lane.TrySend(Query(2));
        lane.TrySend(Query(3));
        Assert.True(lane.HasPending);

        Assert.Equal([2, 3], Take(lane).Select(m => (int)m.Payload!));
        Assert.Empty(Take(lane));
        Assert.False(lane.HasPending);
    }

    [Fact]
    public void Close_MessagesLeft_HandsThemBackAndRefusesLaterSends()
    {
        var lane = new ControlLane();
        lane.TrySend(Query(1));
        lane.TrySend(Query(2));

        var left = lane.Close();

        Assert.Equal([1, 2], left.Select(m => (int)m.Payload!));
        Assert.False(lane.TrySend(Query(3)));
        Assert.Equal(0, lane.Close().Count); // a second close finds nothing: the refused send was not queued
    }

    [Fact]
    public void Close_AfterATake_HandsBackOnlyWhatCameSince()
    {
        var lane = new ControlLane();
        lane.TrySend(Query(1));
        Take(lane);
        lane.TrySend(Query(2));

        Assert.Equal([2], lane.Close().Select(m => (int)m.Payload!));
    }
    [Fact]
    public void TakeAll_MoreThanTheFirstBuffer_KeepsEveryMessageInOrder()
    {
        var lane = new ControlLane();
        for (int i = 0; i < 5; i++)
        {
            lane.TrySend(Query(i));
        }

        Assert.Equal([0, 1, 2, 3, 4], Take(lane).Select(m => (int)m.Payload!));
        for (int i = 5; i < 8; i++)
        {
            lane.TrySend(Query(i)); // into the buffer the first take handed back, grown again
        }

        Assert.Equal([5, 6, 7], Take(lane).Select(m => (int)m.Payload!));
    }

    [Fact]
    public void TakeAll_HandledPayloads_AreNotKeptReachableByTheLane()
    {
        // A query's reply task, a timer's handle: once the loop has handled them, the lane must not keep them alive.
        var lane = new ControlLane();
        WeakReference payload = SendAndTakeOnce(lane);
        lane.TrySend(Query(2));
        Take(lane); // clears what the first take held before handing its buffer back
        Take(lane);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.False(payload.IsAlive);
    }

    [Fact]
    public void Close_AfterABatchStoppedShort_HandsBackItsUnhandledRestFirst_ThenWhatCameSince()
    {
        // The loop's handling of message 1 threw: the turn ends the loop, and 2 and 3, taken but never handled, must be
        // refused or cancelled by the close like anything sent after them — not dropped.
        var lane = new ControlLane();
        lane.TrySend(Query(1));
        lane.TrySend(Query(2));
        lane.TrySend(Query(3));
        lane.TakeAll();
        Assert.True(lane.TryNext(out var first));
        Assert.Equal(1, (int)first.Payload!);
        lane.TrySend(Query(4));

        Assert.Equal([2, 3, 4], lane.Close().Select(m => (int)m.Payload!));
        Assert.False(lane.TryNext(out _));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static WeakReference SendAndTakeOnce(ControlLane lane)
    {
        var reply = new object();
        lane.TrySend(new ControlMessage(ControlKind.Query, reply));
        Assert.Same(reply, Take(lane).Single().Payload);
        return new WeakReference(reply);
    }
}
