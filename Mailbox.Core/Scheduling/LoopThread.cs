using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mailbox;

// One OS thread that runs loops: a dedicated loop is the only loop of its thread, a grouped loop shares one with its
// siblings. Every loop is pinned to one LoopThread for life; this is the only code that runs loop turns.
//
// Ownership. _ready, _clocks, _executedTotal and the idle bookkeeping belong to this thread and are never locked. Other
// threads reach it only through _incoming (loops they made runnable), _clockWake (a provider timer fired) and _signal.
//
// Scheduling. A loop is Idle, Scheduled or Finished (LoopActor._status). A sender publishes its work with an Interlocked
// operation (the gate's increment, the control lane's flag, a barrier after the step inbox), then reads the status; if it
// finds Idle, one CAS to Scheduled makes it the one sender that queues the loop on _incoming and wakes the thread. A
// loop that is Scheduled is in _ready, in _incoming or running: later senders only write their message. After a turn the
// thread either queues the loop again (budget spent, work left) or sends it back to Idle, which writes Idle with a full
// fence and then looks at every lane once more (LoopActor.TryGoIdle): of the two fenced writes one comes first, so
// either that re-check sees the sender's work or the sender sees Idle and schedules the loop. No wake-up is lost.
//
// Fairness. A turn runs at most the budget's messages and steps; then the loop goes to the back of _ready, behind its
// siblings. _incoming is moved to the back of _ready before each pick, so a newly runnable loop waits at most one round.
// A loop that ran dry while nothing else was runnable stays Scheduled while the thread spins for it (_spinningFor): the
// thread reads its lanes directly, so the next request of a round trip costs its sender only its write; the loop goes
// Idle, with the re-check above, only before the thread parks, and back into _ready whenever another loop is to run.
//
// Idle. With nothing ready the thread first asks whether senders are streaming (the last run between two idles was
// large). Then it naps: a blocking wait of NapMillis that plain posts do not cut short (they only queue), while control
// messages, coroutine steps, RunAsync requests, timer wake-ups and full mailboxes do. Measured on the 2-vCPU reference
// machine (benchmarks.md, "Where the time goes"): a reader that keeps running while it waits for a streaming sender
// (spinning, yielding or sleeping microseconds) comes back every few dozen messages to the cache lines the sender is
// writing, and in one of the two modes this machine shows it slows the sender 3-4x; a reader that blocks and then drains
// tens of thousands of messages at once costs the sender nothing. Without streaming the thread spins briefly (a round
// trip's next request is usually microseconds away) and then parks: it arms its clocks, writes Parked with a full fence,
// looks at _incoming and _clockWake once more, and waits. A sender that queues a loop reads _parked after its own
// Interlocked enqueue; as above, one of the two sees the other.
//
// Timers. Each loop keeps its own timer queue; the thread keeps, per TimeProvider its loops use, one LoopClock: a heap
// of each loop's earliest due time and one provider ITimer armed for the earliest of them, so 100,000 loops with pending
// timers are one provider timer and a heap, not 100,000 timers or a scan. A provider that throws is the failure of the
// loops that use it, never of the thread: a loop whose timer it fails to arm after a turn ends as if its own code had
// failed (LoopActor.RegisterTimers); a clock that fails while the thread fires or arms it, outside every turn, hands each
// of its loops back to a turn of its own (LoopClock.Release), where the loop reads and arms its clock itself — a failure
// that lasts then ends each of them that way, one that has passed costs them nothing. No timer is forgotten either way.
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "The thread disposes its signal itself when it exits (CompleteAfterExit); nobody else may.")]
internal sealed class LoopThread
{
    /// <summary>The most messages between two idles that still count as request/response rather than streaming.</summary>
    private const int StreamingBatch = 64;

    /// <summary>How long a nap waits, in milliseconds: the shortest blocking timed wait .NET offers on every platform.</summary>
    private const int NapMillis = 1;

    /// <summary>SpinWait rounds before parking; with <c>sleep1Threshold: -1</c> the later rounds yield the core rather than burn it.</summary>
    private const int SpinRounds = 40;

    /// <summary>Awake: senders need not wake the thread.</summary>
    private const int Awake = 0;

    /// <summary>Parked: every sender that queues a loop wakes the thread.</summary>
    private const int Parked = 1;

    /// <summary>Napping: only urgent sends wake the thread; plain posts wait for the nap's end.</summary>
    private const int Napping = 2;

    /// <summary>The thread this runs on, while <see cref="Run"/> is on the stack.</summary>
    [ThreadStatic]
    private static LoopThread? t_current;

    /// <summary>The OS thread.</summary>
    private readonly Thread _thread;

    /// <summary>Messages and steps one loop runs per turn at most. Immutable.</summary>
    private readonly int _turnBudget;

    /// <summary>Loops made runnable by other threads, in the order they were. Any thread enqueues; this thread takes.</summary>
    private readonly ConcurrentQueue<LoopActor> _incoming = new();

    /// <summary>Whether the thread serves exactly one loop for life (<see cref="_sole"/>). Immutable.</summary>
    private readonly bool _dedicated;

    /// <summary>
    /// A dedicated thread's loop. Such a thread needs no queue of runnable loops: the one sender that makes its loop
    /// runnable raises <see cref="ThreadHot.SoleScheduled"/> instead of queuing it, which costs the round trip one flag
    /// where the queue cost a slot, a tail and a head, each a cache line that moves between the two threads.
    /// </summary>
    private LoopActor? _sole;

    /// <summary>
    /// The loop whose last turn left nothing to do while nothing else was runnable: it stays Scheduled while the thread
    /// spins, and the thread looks at its lanes directly, so a request that arrives meanwhile costs its sender no CAS,
    /// no flag and no wake-up — the round trip's common case. It goes Idle (with the full re-check) only before the
    /// thread parks; on any other way out of <see cref="Idle"/> it goes back into <see cref="_ready"/>. This thread only.
    /// </summary>
    private LoopActor? _spinningFor;

    /// <summary>Runnable loops, in turn order. This thread only.</summary>
    private readonly Queue<LoopActor> _ready = new();

    /// <summary>One clock per TimeProvider this thread's loops use (usually one). This thread only.</summary>
    private readonly List<LoopClock> _clocks = [];

    /// <summary>
    /// Signalled by the sender that finds the thread parked (or napping, for urgent work). An <see cref="AutoResetEvent"/>,
    /// not a <see cref="ManualResetEventSlim"/>: the slim event wakes its waiter inside <c>Monitor.Wait</c>, which must then
    /// take back the lock the setter may still hold — a second block on the wake path. Measured on a remote Ask into a
    /// loop-hosted actor (one wake per request): 1.05–1.21× plain Akka with the slim event, 1.01–1.09× with this one.
    /// </summary>
    private readonly AutoResetEvent _signal = new(false);

    /// <summary>Completes after the OS thread has exited.</summary>
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Fields this thread writes per message, and the park flag senders read, each on its own cache lines.</summary>
    private ThreadHot _hot;

    /// <summary>Loops attached and not finished. Attach from any thread (Interlocked), finish on this thread.</summary>
    private int _loopCount;

    /// <summary>Set when the thread should exit once it holds no loop: at once for a dedicated thread, at the group's stop otherwise.</summary>
    private volatile bool _exitWhenEmpty;

    /// <summary>Messages this thread has run, over all its loops. This thread only.</summary>
    private long _executedTotal;

    /// <summary><see cref="_executedTotal"/> when the thread last went idle: the run since then tells streaming from request/response.</summary>
    private long _executedAtLastIdle;

    /// <summary>The loop whose turn is running, or null. Written by this thread per turn; read racily by stop timeouts and metrics.</summary>
    private volatile LoopActor? _running;

    /// <summary>The loop whose turn is running (set by the turn itself, around its count; see <see cref="LoopActor.RunTurn"/>).</summary>
    internal LoopActor? Running
    {
        get => _running;
        set => _running = value;
    }

    /// <summary>The loop whose context is installed on the thread, so that a thread serving one loop sets it once.</summary>
    private LoopActor? _installed;

    private LoopThread(string threadName, bool isBackground, int turnBudget, bool dedicated)
    {
        _turnBudget = turnBudget;
        _dedicated = dedicated;
        _exitWhenEmpty = dedicated;
        _thread = new Thread(Run) { Name = threadName, IsBackground = isBackground };
    }

    /// <summary>The loop thread the caller is, or null.</summary>
    public static LoopThread? Current => t_current;

    /// <summary>Loops attached and not finished (a moment's snapshot).</summary>
    public int LoopCount => Volatile.Read(ref _loopCount);

    /// <summary>Completes after the OS thread has exited.</summary>
    public Task Exited => _exited.Task;

    /// <summary>Whether a turn of <paramref name="loop"/> is running a piece of work right now (any thread; racy by nature).</summary>
    public bool IsBusyWith(LoopActor loop) => ReferenceEquals(_running, loop) && Volatile.Read(ref _hot.Busy) != 0;

    /// <summary>Whether a turn of <paramref name="loop"/> is running now (any thread; racy by nature).</summary>
    public bool IsRunning(LoopActor loop) => ReferenceEquals(_running, loop);

    /// <summary>Accepted messages the running turn's loop has run, counted on this thread's own line. Loop thread only.</summary>
    internal ref long TurnExecuted => ref _hot.Executed;

    /// <summary>Marks the start and end of one piece of work (the stop timeout's thread reads it to tell a stuck loop).</summary>
    internal void SetBusy(bool busy) => _hot.Busy = busy ? 1 : 0;

    /// <summary>A thread for one dedicated loop: it exits when that loop has finished.</summary>
    public static LoopThread CreateDedicated(string loopName, bool isBackground, int turnBudget) =>
        new($"Mailbox loop '{loopName}'", isBackground, turnBudget, dedicated: true);

    /// <summary>One thread of a group: it exits when the group stops and it holds no loop.</summary>
    public static LoopThread CreateGrouped(string groupName, int index, bool isBackground, int turnBudget) =>
        new($"Mailbox group '{groupName}' #{index}", isBackground, turnBudget, dedicated: false);

    /// <summary>Starts the OS thread.</summary>
    public void Start() => _thread.Start();

    /// <summary>Waits for the OS thread to exit. Never from the thread itself.</summary>
    public void Join() => _thread.Join();

    /// <summary>Takes a new loop: it is counted, and its first turn (which publishes its start) is queued if it has one to run. Any thread.</summary>
    public void Attach(LoopActor loop, bool firstTurn)
    {
        if (_dedicated)
        {
            _sole = loop; // before Start, which publishes it to the thread
        }

        Interlocked.Increment(ref _loopCount);
        if (firstTurn)
        {
            Schedule(loop, urgent: false);
        }
    }

    /// <summary>Lets a group thread exit once its last loop has finished. Any thread.</summary>
    public void ExitWhenEmpty()
    {
        _exitWhenEmpty = true;
        _incoming.Enqueue(null!); // a null entry is only a nudge: the thread re-reads its exit condition
        Wake(urgent: true);
    }

    /// <summary>Queues a loop that a sender just moved from Idle to Scheduled, and wakes the thread if it must. Any thread.</summary>
    public void Schedule(LoopActor loop, bool urgent)
    {
        if (t_current == this)
        {
            _ready.Enqueue(loop);
            return;
        }

        if (_dedicated)
        {
            Interlocked.Exchange(ref _hot.SoleScheduled, 1); // the sender's fence of the park handshake
        }
        else
        {
            _incoming.Enqueue(loop); // Interlocked inside: the sender's fence of the park handshake
        }

        Wake(urgent);
    }

    /// <summary>Wakes the thread if it is parked, or napping and <paramref name="urgent"/> is true. Any thread.</summary>
    public void Wake(bool urgent)
    {
        if (urgent)
        {
            Interlocked.Exchange(ref _hot.Urgent, 1); // before reading _parked: a napping thread reads it after writing Napping
        }

        int parked = Volatile.Read(ref _hot.Parked);
        if (parked == Awake || (parked == Napping && !urgent))
        {
            return;
        }

        if (Interlocked.Exchange(ref _hot.Parked, Awake) != Awake)
        {
            _signal.Set();
        }
    }

    /// <summary>A provider timer of one of this thread's clocks fired. Any thread.</summary>
    public void OnClockFired()
    {
        Interlocked.Exchange(ref _hot.ClockWake, 1);
        Wake(urgent: true);
    }

    /// <summary>A clock found its earliest due time reached while arming: fire the clocks before the next turn. This thread only.</summary>
    public void FlagClockDue() => Volatile.Write(ref _hot.ClockWake, 1);

    /// <summary>Drops the clocks no loop uses any more, disposing their provider timers. This thread only.</summary>
    private void PruneClocks()
    {
        for (int i = _clocks.Count - 1; i >= 0; i--)
        {
            if (_clocks[i].IsUnused)
            {
                _clocks[i].Dispose();
                _clocks.RemoveAt(i);
            }
        }
    }

    /// <summary>The clock for <paramref name="provider"/>, made on first use. This thread only.</summary>
    public LoopClock ClockFor(TimeProvider provider)
    {
        AssertOwner();
        foreach (var clock in _clocks)
        {
            if (ReferenceEquals(clock.Provider, provider))
            {
                return clock;
            }
        }

        var created = new LoopClock(this, provider);
        _clocks.Add(created);
        return created;
    }

    private void Run()
    {
        t_current = this;
        try
        {
            while (true)
            {
                if (Volatile.Read(ref _hot.ClockWake) != 0)
                {
                    Interlocked.Exchange(ref _hot.ClockWake, 0);
                    FireClocks();
                }

                MoveIncoming();
                if (_ready.Count > 0 && _spinningFor is { } waiting)
                {
                    // Another loop runs first: the one the thread was spinning for takes its place in the queue again,
                    // or sends to it (which only write while it is Scheduled) would wait behind every sibling's turn.
                    _spinningFor = null;
                    _ready.Enqueue(waiting);
                }

                if (_ready.TryDequeue(out var loop))
                {
                    RunTurn(loop);
                    continue;
                }

                if (_exitWhenEmpty && Volatile.Read(ref _loopCount) == 0)
                {
                    return;
                }

                Idle();
            }
        }
        finally
        {
            foreach (var clock in _clocks)
            {
                clock.Dispose();
            }

            _clocks.Clear();
            LoopActor.Uninstall();
            t_current = null;
            ThreadPool.UnsafeQueueUserWorkItem(static t => t.CompleteAfterExit(), this, preferLocal: false);
        }
    }

    private void CompleteAfterExit()
    {
        _thread.Join();
        _signal.Dispose();
        _exited.TrySetResult();
    }

    /// <summary>One turn of one loop, then where it goes next: back of the queue, idle, or gone.</summary>
    private void RunTurn(LoopActor loop)
    {
        if (!ReferenceEquals(_installed, loop))
        {
            loop.Install();
            _installed = loop;
        }

        long ran = loop.RunTurn(_turnBudget, out bool more);
        _executedTotal += ran;
        if (!loop.IsExiting)
        {
            loop.RegisterTimers(); // a provider that fails to arm ends the loop here
        }

        if (loop.IsExiting)
        {
            loop.Finish();
            _installed = null;
            LoopActor.Uninstall();
            PruneClocks();
            Interlocked.Decrement(ref _loopCount);
            return;
        }

        if (more)
        {
            _ready.Enqueue(loop);
        }
        else if (_spinningFor is null && _ready.Count == 0 && !HasWork())
        {
            _spinningFor = loop; // Idle spins for it while it stays Scheduled; see _spinningFor
        }
        else if (!loop.TryGoIdle())
        {
            _ready.Enqueue(loop);
        }
    }

    private void MoveIncoming()
    {
        if (_dedicated)
        {
            // Cleared before the loop runs: no sender raises it again until the loop has gone back to Idle.
            if (Volatile.Read(ref _hot.SoleScheduled) != 0)
            {
                Volatile.Write(ref _hot.SoleScheduled, 0);
                _ready.Enqueue(_sole!);
            }

            return;
        }

        while (_incoming.TryDequeue(out var loop))
        {
            if (loop is not null)
            {
                _ready.Enqueue(loop);
            }
        }
    }

    /// <summary>Schedules every loop whose earliest timer is due on a clock that fired (or on all, when parking found one due).</summary>
    private void FireClocks()
    {
        foreach (var clock in _clocks)
        {
            try
            {
                clock.TakeDue(_ready);
            }
#pragma warning disable CA1031 // a failing provider must not end the thread; its loops meet the failure in their own turns
            catch (Exception)
#pragma warning restore CA1031
            {
                clock.Release(_ready);
            }
        }

        // A clock cannot schedule the loop the thread spins for (it is still Scheduled), yet may just have taken that
        // loop's registration: queue it, or the thread would spin, let it go idle and park with its timer forgotten.
        if (_spinningFor is { } waiting)
        {
            _spinningFor = null;
            _ready.Enqueue(waiting);
        }
    }

    /// <summary>Nothing to run: nap while senders stream, else spin a little and park until a sender or a clock wakes the thread.</summary>
    private void Idle()
    {
        AssertOwner();
        var candidate = _spinningFor;
        _spinningFor = null;
        long batch = _executedTotal - _executedAtLastIdle;
        _executedAtLastIdle = _executedTotal;
        if (batch > StreamingBatch)
        {
            // Posts that arrive now only queue (or, to a loop kept Scheduled, only write): the nap lets them pile up.
            // Urgent work sets _hot.Urgent before it reads _parked, so either we see the flag here or it sees Napping.
            Interlocked.Exchange(ref _hot.Parked, Napping);
            if (Volatile.Read(ref _hot.Urgent) == 0 && Volatile.Read(ref _hot.ClockWake) == 0)
            {
                _signal.WaitOne(NapMillis);
            }

            Interlocked.Exchange(ref _hot.Parked, Awake);
            Interlocked.Exchange(ref _hot.Urgent, 0); // urgent work flagged before this is already visible to MoveIncoming
            Requeue(candidate);
            return;
        }

        SpinWait spinner = default;
        for (int i = 0; i < SpinRounds; i++)
        {
            if (HasWork() || candidate?.HasWorkWhileSpinning() == true)
            {
                Requeue(candidate);
                return;
            }

            spinner.SpinOnce(sleep1Threshold: -1);
        }

        if (candidate is not null && !candidate.TryGoIdle())
        {
            _ready.Enqueue(candidate); // work arrived at the last moment: run it instead of parking
            return;
        }

        if (!ArmClocks())
        {
            FlagClockDue(); // a timer is due already: fire it instead of parking
            return;
        }

        _signal.Reset();
        Interlocked.Exchange(ref _hot.Parked, Parked);
        if (HasWork())
        {
            Interlocked.Exchange(ref _hot.Parked, Awake);
            return;
        }

        _signal.WaitOne();
    }

    /// <summary>Puts the loop <see cref="Idle"/> was spinning for back into the run queue (it is still Scheduled).</summary>
    private void Requeue(LoopActor? candidate)
    {
        if (candidate is not null)
        {
            _ready.Enqueue(candidate);
        }
    }

    private bool HasWork() =>
        (_dedicated ? Volatile.Read(ref _hot.SoleScheduled) != 0 : !_incoming.IsEmpty) || Volatile.Read(ref _hot.ClockWake) != 0;

    /// <summary>Arms every clock's provider timer for its earliest loop; false if one is due already.</summary>
    private bool ArmClocks()
    {
        foreach (var clock in _clocks)
        {
            bool armed;
            try
            {
                armed = clock.Arm();
            }
#pragma warning disable CA1031 // as in FireClocks
            catch (Exception)
#pragma warning restore CA1031
            {
                return false; // fire the clocks instead of parking: a clock that fails there too releases its loops
            }

            if (!armed)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Checks, in debug builds, that thread-owned state is touched by this thread.</summary>
    [Conditional("DEBUG")]
    internal void AssertOwner() => Debug.Assert(t_current == this, $"state of loop thread '{_thread.Name}' touched from thread {Environment.CurrentManagedThreadId}");

    /// <summary>What this thread writes per message and what senders read per send, kept apart.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct ThreadHot
    {
        /// <summary>The park state (Awake, Parked, Napping): this thread writes it, senders read it after queuing a loop.</summary>
        [FieldOffset(64)]
        public int Parked;

        /// <summary>Set by a provider timer callback; this thread clears it before it fires its clocks.</summary>
        [FieldOffset(68)]
        public int ClockWake;

        /// <summary>Set by a sender whose work must not wait for a nap's end (control, steps, requests, a full mailbox).</summary>
        [FieldOffset(72)]
        public int Urgent;

        /// <summary>A dedicated thread's "its loop is runnable" (see <see cref="_sole"/>): raised by the scheduling sender, cleared by this thread.</summary>
        [FieldOffset(76)]
        public int SoleScheduled;

        /// <summary>The running loop's executed count during its turn (moved in and out by <see cref="LoopActor.RunTurn"/>).</summary>
        [FieldOffset(192 - 64)]
        public long Executed;

        /// <summary>1 while a piece of work runs.</summary>
        [FieldOffset(192 - 56)]
        public int Busy;
    }
}
