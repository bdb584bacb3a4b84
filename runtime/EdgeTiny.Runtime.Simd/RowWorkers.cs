namespace EdgeTiny.Runtime.Simd;

/// <summary>
/// Dedicated worker threads that each compute a fixed share of a matrix × vector's rows while the calling thread
/// computes the first share. Everything (threads, semaphores, the job's fields) is created once, so dispatching a
/// job allocates nothing. Row shares are multiples of <see cref="RowAlign"/> so every share runs the 4-row kernel.
/// Splitting rows does not change any row's arithmetic: results equal the single-threaded ones bit for bit.
/// </summary>
internal sealed class RowWorkers : IDisposable
{
    public const int RowAlign = 4;

    private const int KindF32 = 1;
    private const int KindQ8 = 2;

    private readonly SimdKernels _owner;
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _go;
    // Released by the last worker to finish. (A SemaphoreSlim creates its lock in its constructor; ManualResetEventSlim
    // would allocate its lock object lazily, the first time a caller really blocks, i.e. inside some later call.)
    private readonly SemaphoreSlim _done = new(0);
    private int _pending;
    private volatile bool _stop;
    private Exception? _error;

    // The job being run (written by the caller before the workers are released, read by them after).
    private int _kind;
    private float[]? _w;
    private byte[]? _q;
    private float[]? _x;
    private float[]? _y;
    private int _wOff, _groupSize, _cols, _xOff, _yOff, _rows;

    public RowWorkers(SimdKernels owner, int count)
    {
        _owner = owner;
        _threads = new Thread[count];
        _go = new SemaphoreSlim[count];
        for (int i = 0; i < count; i++)
        {
            _go[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"EdgeTiny SIMD worker {i + 1}" };
            _threads[i].Start(i);
        }
    }

    /// <summary>Worker threads (the caller is one more).</summary>
    public int Count => _threads.Length;

    public void RunF32(float[] w, int wOff, int cols, float[] x, int xOff, float[] y, int yOff, int rows)
    {
        _kind = KindF32;
        _w = w; _wOff = wOff; _cols = cols; _x = x; _xOff = xOff; _y = y; _yOff = yOff; _rows = rows;
        Run();
    }

    public void RunQ8(byte[] w, int wOff, int groupSize, int cols, float[] x, int xOff, float[] y, int yOff, int rows)
    {
        _kind = KindQ8;
        _q = w; _wOff = wOff; _groupSize = groupSize; _cols = cols;
        _x = x; _xOff = xOff; _y = y; _yOff = yOff; _rows = rows;
        Run();
    }

    private void Run()
    {
        ObjectDisposedException.ThrowIf(_stop, this);
        _error = null;
        Volatile.Write(ref _pending, Count);
        for (int i = 0; i < _go.Length; i++) _go[i].Release();
        Exception? mine = null;
        try { RunShare(0); }
        catch (Exception e) { mine = e; }
        _done.Wait(); // always: the workers must be finished with the job before the caller reuses its arrays
        _w = null; _q = null; _x = null; _y = null;
        if (mine is not null) throw mine;
        if (_error is not null) throw new InvalidOperationException("a SIMD worker thread failed", _error);
    }

    private void RunShare(int share)
    {
        int shares = Count + 1;
        int blocks = (_rows + RowAlign - 1) / RowAlign;
        int r0 = (int)((long)blocks * share / shares) * RowAlign;
        int r1 = Math.Min(_rows, (int)((long)blocks * (share + 1) / shares) * RowAlign);
        if (r0 >= r1) return;
        if (_kind == KindF32)
            _owner.MatVecF32Rows(_w!, _wOff, _cols, _x!, _xOff, _y!, _yOff, r0, r1);
        else
            _owner.MatVecQ8Rows(_q!, _wOff, _groupSize, _cols, _x!, _xOff, _y!, _yOff, r0, r1);
    }

    private void WorkerLoop(object? state)
    {
        int index = (int)state!;
        while (true)
        {
            _go[index].Wait();
            if (_stop) return;
            try { RunShare(index + 1); }
            catch (Exception e) { _error = e; }
            if (Interlocked.Decrement(ref _pending) == 0) _done.Release();
        }
    }

    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        foreach (SemaphoreSlim s in _go) s.Release();
        foreach (Thread t in _threads) t.Join();
        foreach (SemaphoreSlim s in _go) s.Dispose();
        _done.Dispose();
    }
}
