using System.Runtime.CompilerServices;

namespace Mailbox.Tests.Lanes;

/// <summary>
/// The pool of value-type state boxes on its own: boxes given back on one thread come out again on another once a batch
/// is full, cleared; the pool keeps no reference to a state after its callback, nor to a box it has rented out; a
/// burst is kept only up to <see cref="StateBox{TState}.MaxSpareBatches"/> batches; and a sender and a loop that trade
/// boxes allocate nothing once warm, on either side.
/// </summary>
public sealed class StateBoxTests
{
    [Fact]
    public async Task BoxesGivenBackOnOneThread_AreRentedOnAnother_OnceABatchIsFull()
    {
        // One state type per test: the pool is per type and process-wide.
        var given = Enumerable.Range(0, 64).Select(_ => StateBox<BatchState>.Rent()).ToList();
        await Task.Run(() => given.ForEach(box => box.Recycle())); // another thread: fills one batch and hands it over
        var rented = await Task.Run(() => Enumerable.Range(0, 64).Select(_ => StateBox<BatchState>.Rent()).ToList());
        Assert.Equal(given.ToHashSet(ReferenceEqualityComparer.Instance), rented.ToHashSet(ReferenceEqualityComparer.Instance));
    }

    [Fact]
    public void ABoxGivenBack_KeepsNeitherItsCallbackNorItsState()
    {
        var box = StateBox<HoldingState>.Rent();
        box.Callback = static _ => { };
        box.State = new HoldingState(new object());
        box.Recycle();
        Assert.Null(box.Callback);
        Assert.Null(box.State.Held);
    }

    [Fact]
    public async Task ASenderAndALoopTradingBoxes_AllocateNothingOnEitherSide_OnceWarm()
    {
        // The renting side swaps its spent batch array for a full one; the spent array goes to the returning side,
        // which fills it again. Round 0 makes the boxes, rounds 1 and 2 the two arrays; from then on nothing is new.
        const int Rounds = 40;
        const int Warm = 4;
        var boxes = new StateBox<TradeState>[StateBox<TradeState>.BatchSize];
        using var rentTurn = new SemaphoreSlim(1);
        using var backTurn = new SemaphoreSlim(0);
        var renter = OnDedicatedThread(() =>
        {
            long before = 0;
            for (int round = 0; round < Rounds; round++)
            {
                rentTurn.Wait();
                if (round == Warm)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }

                for (int i = 0; i < boxes.Length; i++)
                {
                    boxes[i] = StateBox<TradeState>.Rent();
                }

                backTurn.Release();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        var giver = OnDedicatedThread(() =>
        {
            long before = 0;
            for (int round = 0; round < Rounds; round++)
            {
                backTurn.Wait();
                if (round == Warm)
                {
                    before = GC.GetAllocatedBytesForCurrentThread();
                }

                foreach (var box in boxes)
                {
                    box.Recycle();
                }

                rentTurn.Release();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });

        Assert.Equal((0L, 0L), (await renter, await giver));
    }

    [Fact]
    public async Task ASenderRunningAheadOfTheLoop_HandsItsSpentBatchBack_SoTheLoopFillsItInsteadOfANewOne()
    {
        // The sender empties a batch and rents once more before the loop has given a full one back: it makes a new
        // box, and its spent array must go to the returning side then, not only at its next swap.
        await GiveBackOneNewBatch<AheadState>();
        var boxes = await OnDedicatedThread(() =>
            Enumerable.Range(0, StateBox<AheadState>.BatchSize + 1).Select(_ => StateBox<AheadState>.Rent()).ToArray());

        long allocated = await OnDedicatedThread(() =>
        {
            // A first touch of the type's thread statics on this thread allocates their storage; with no full batch to
            // take, this rent only makes a box, leaving the pool as it is.
            _ = StateBox<AheadState>.Rent();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < StateBox<AheadState>.BatchSize; i++)
            {
                boxes[i].Recycle();
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task ABurst_IsKeptOnlyUpToTheSpareBatches_TheRestIsLeftToTheCollector()
    {
        // One batch more than the pool keeps, given back on one thread: a thread that then rents as many gets the kept
        // batches' boxes back, and new boxes for the batch the pool let go.
        int batches = StateBox<BurstState>.MaxSpareBatches + 1;
        int size = StateBox<BurstState>.BatchSize;
        var given = await OnDedicatedThread(() =>
        {
            var made = new HashSet<object>(ReferenceEqualityComparer.Instance);
            for (int i = 0; i < batches * size; i++)
            {
                var box = new StateBox<BurstState>();
                made.Add(box);
                box.Recycle();
            }

            return made;
        });

        int reused = await OnDedicatedThread(() =>
            Enumerable.Range(0, batches * size).Count(_ => given.Contains(StateBox<BurstState>.Rent())));
        Assert.Equal(StateBox<BurstState>.MaxSpareBatches * size, reused);
    }

    [Fact]
    public async Task BoxesRentedOut_AreNotHeldByThePool_SoOneWhoseMessageIsDroppedIsGarbage()
    {
        // A box whose message a stop discards is never given back: the pool must not keep it alive from the batch it
        // came out of.
        await GiveBackOneNewBatch<DroppedState>();

        var rented = await OnDedicatedThread(() =>
        {
            var weak = RentAll();
            GC.Collect();
            GC.WaitForPendingFinalizers();
            GC.Collect();
            return weak.Count(w => w.IsAlive);
        });
        Assert.Equal(0, rented);
    }

    /// <summary>A batch of new boxes given back on a thread of its own: the pool then holds one full batch.</summary>
    private static Task GiveBackOneNewBatch<TState>() => OnDedicatedThread(() =>
    {
        for (int i = 0; i < StateBox<TState>.BatchSize; i++)
        {
            new StateBox<TState>().Recycle();
        }
    });

    /// <summary>A whole batch rented and dropped, seen only through weak references (not inlined, so no local keeps one).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference[] RentAll() =>
        Enumerable.Range(0, StateBox<DroppedState>.BatchSize).Select(_ => new WeakReference(StateBox<DroppedState>.Rent())).ToArray();

    private readonly record struct BatchState(int Value);

    private readonly record struct TradeState(int Value);

    private readonly record struct BurstState(int Value);

    private readonly record struct DroppedState(int Value);

    private readonly record struct AheadState(int Value);

    private readonly record struct HoldingState(object? Held);
}
