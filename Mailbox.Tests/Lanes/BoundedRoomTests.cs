using System.Runtime.CompilerServices;

namespace Mailbox.Tests.Lanes;

/// <summary>
/// The bounded mailbox's room on its own, driven the way the senders and the loop drive it, with an admission step the
/// test controls: so the paths a loop reaches only in a race (the gate refusing a send that holds a place, a cancel
/// that arrives while the loop admits the waiter, a stop failing the waiters) run in a fixed order. No loop is started.
/// </summary>
public sealed class BoundedRoomTests
{
    /// <summary>What the admission step of the room under test answers, and what it was asked.</summary>
    private sealed class Admission
    {
        /// <summary>Whether the gate accepts (false: the loop is stopping).</summary>
        public bool Accepts { get; set; } = true;

        /// <summary>Runs inside the admission, under the room's lock, the way a racing thread's action would land there.</summary>
        public Action? During { get; set; }

        /// <summary>The tags of the envelopes it was asked to admit, in order (nothing else of them is kept).</summary>
        public List<string?> Asked { get; } = [];

        public bool Admit(Envelope envelope)
        {
            Asked.Add(envelope.State as string);
            During?.Invoke();
            return Accepts;
        }
    }

    private static readonly Action<object?> s_noop = static _ => { };

    private static Envelope Tagged(string tag) => new(s_noop, tag);

    [Fact]
    public void TryTake_EveryPlaceTaken_RefusesUntilAPlaceIsGivenBack()
    {
        var room = new BoundedRoom(2, new Admission().Admit);
        Assert.True(room.TryTake());
        Assert.True(room.TryTake());
        Assert.False(room.TryTake());

        room.GiveBack(); // a send that held a place and was then refused by the gate
        Assert.True(room.TryTake());
        Assert.False(room.TryTake());
    }

    [Fact]
    public void SendWhenFreeAsync_APlaceFreeAndNobodyWaiting_AdmitsAtOnceAndHoldsThePlace()
    {
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);

        var sent = room.SendWhenFreeAsync(Tagged("a"), CancellationToken.None);

        Assert.True(sent.IsCompletedSuccessfully);
        Assert.Equal(["a"], admission.Asked);
        Assert.False(room.TryTake()); // the admitted message holds the one place until the loop dequeues it
        room.OnDequeued();
        Assert.True(room.TryTake());
    }

    [Fact]
    public async Task SendWhenFreeAsync_APlaceFreeButTheGateRefuses_FaultsWithLoopStoppedAndFreesThePlaceAgain()
    {
        var admission = new Admission { Accepts = false };
        var room = new BoundedRoom(1, admission.Admit);

        var sent = room.SendWhenFreeAsync(Tagged("a"), CancellationToken.None);

        var refused = await Assert.ThrowsAsync<LoopStoppedException>(() => sent);
        Assert.Contains("refused", refused.Message, StringComparison.Ordinal);
        Assert.Equal(["a"], admission.Asked);
        Assert.True(room.TryTake()); // the refused send gave its place back: exactly one
        Assert.False(room.TryTake());
    }

    [Fact]
    public void SendWhenFreeAsync_RoomFull_WaitsWithoutAskingTheGate()
    {
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());

        var sent = room.SendWhenFreeAsync(Tagged("a"), CancellationToken.None);

        Assert.False(sent.IsCompleted);
        Assert.Empty(admission.Asked);
        Assert.False(room.TryTake()); // a waiter is ahead of any later sender
    }

    [Fact]
    public void OnDequeued_SendersWaiting_AdmitsTheOldestIntoTheFreedPlace()
    {
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());
        var first = room.SendWhenFreeAsync(Tagged("first"), CancellationToken.None);
        var second = room.SendWhenFreeAsync(Tagged("second"), CancellationToken.None);

        room.OnDequeued();

        Assert.True(first.IsCompletedSuccessfully);
        Assert.False(second.IsCompleted);
        Assert.Equal(["first"], admission.Asked);
        Assert.False(room.TryTake()); // the place went to the waiter, not back to the room

        room.OnDequeued();
        Assert.True(second.IsCompletedSuccessfully);
        room.OnDequeued();
        Assert.True(room.TryTake());
    }

    [Fact]
    public async Task OnDequeued_TheGateRefusesTheOldestWaiter_FaultsItWithLoopStoppedAndFreesThePlace()
    {
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());
        var waiting = room.SendWhenFreeAsync(Tagged("a"), CancellationToken.None);

        // The stop closed the gate and the loop dequeued before the stop reached the waiters.
        admission.Accepts = false;
        room.OnDequeued();

        await Assert.ThrowsAsync<LoopStoppedException>(() => waiting);
        Assert.Equal(["a"], admission.Asked);
        Assert.True(room.TryTake());
        Assert.False(room.TryTake());
    }

    [Fact]
    public void OnDequeued_WaitersTokenCancelledWhileTheLoopAdmitsIt_StaysAdmitted()
    {
        using var cts = new CancellationTokenSource();
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());
        var waiting = room.SendWhenFreeAsync(Tagged("a"), cts.Token);

        // The cancel lands while the admission is under way: its callback finds the waiter already taken off the list.
        admission.During = cts.Cancel;
        room.OnDequeued();

        Assert.True(waiting.IsCompletedSuccessfully);
        Assert.Equal(["a"], admission.Asked);
        Assert.False(room.TryTake());
    }

    [Fact]
    public async Task Cancel_WaiterBehindAnother_LeavesTheQueueAndTheOthersOrder()
    {
        using var cts = new CancellationTokenSource();
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());
        var first = room.SendWhenFreeAsync(Tagged("first"), CancellationToken.None);
        var cancelled = room.SendWhenFreeAsync(Tagged("cancelled"), cts.Token);
        var last = room.SendWhenFreeAsync(Tagged("last"), CancellationToken.None);

        await cts.CancelAsync();
        room.OnDequeued();
        room.OnDequeued();

        Assert.True(cancelled.IsCanceled);
        Assert.True(first.IsCompletedSuccessfully);
        Assert.True(last.IsCompletedSuccessfully);
        Assert.Equal(["first", "last"], admission.Asked);
    }

    [Fact]
    public async Task FailAll_SendersWaiting_FailsEachWithTheReasonAndForgetsThem()
    {
        using var cts = new CancellationTokenSource();
        var admission = new Admission();
        var room = new BoundedRoom(1, admission.Admit);
        Assert.True(room.TryTake());
        var first = room.SendWhenFreeAsync(Tagged("first"), cts.Token);
        var second = room.SendWhenFreeAsync(Tagged("second"), CancellationToken.None);
        var reason = new LoopStoppedException("stopping");

        Assert.Equal(2, room.FailAll(reason));

        Assert.Same(reason, await Assert.ThrowsAsync<LoopStoppedException>(() => first));
        Assert.Same(reason, await Assert.ThrowsAsync<LoopStoppedException>(() => second));
        await cts.CancelAsync(); // a cancel after the stop changes nothing
        Assert.True(first.IsFaulted);

        // The loop drains what it had queued: the place goes back to the room, no failed waiter is admitted.
        room.OnDequeued();
        Assert.Empty(admission.Asked);
        Assert.True(room.TryTake());
        Assert.Equal(0, room.FailAll(reason));
    }

    [Fact]
    public async Task OnDequeued_AdmittedWaiterWithACancellableToken_NoLongerHeldByTheToken()
    {
        using var cts = new CancellationTokenSource(); // outlives the wait: its registration must not keep the message
        var room = new BoundedRoom(1, new Admission().Admit);
        Assert.True(room.TryTake());
        var (waiting, payload) = WaitWithPayload(room, cts.Token);

        room.OnDequeued();

        await waiting;
        AssertCollected(payload);
        GC.KeepAlive(cts);
    }

    [Fact]
    public async Task FailAll_WaiterWithACancellableToken_NoLongerHeldByTheToken()
    {
        using var cts = new CancellationTokenSource();
        var room = new BoundedRoom(1, new Admission().Admit);
        Assert.True(room.TryTake());
        var (waiting, payload) = WaitWithPayload(room, cts.Token);

        Assert.Equal(1, room.FailAll(new LoopStoppedException("stopping")));

        await Assert.ThrowsAsync<LoopStoppedException>(() => waiting);
        AssertCollected(payload);
        GC.KeepAlive(cts);
    }

    /// <summary>Starts a wait whose envelope carries an object only the wait references; returns a weak reference to it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (Task Waiting, WeakReference Payload) WaitWithPayload(BoundedRoom room, CancellationToken token)
    {
        var payload = new object();
        var waiting = room.SendWhenFreeAsync(new Envelope(s_noop, payload), token);
        Assert.False(waiting.IsCompleted);
        return (waiting, new WeakReference(payload));
    }

    private static void AssertCollected(WeakReference weak)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.False(weak.IsAlive, "the ended wait is still reachable from its token");
    }
}
