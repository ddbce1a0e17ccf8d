package lakehouse.delta;

import io.delta.storage.HadoopFileSystemLogStore;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A Delta log store for S3 that is safe for concurrent writers from any number of Spark drivers.
 *
 * <p>Delta needs one thing from storage to be correct under concurrency: writing commit N of a
 * table must fail when commit N already exists (put-if-absent), so that a losing writer sees the
 * conflict and retries on top of the winner. S3 provides it with conditional writes: a PutObject
 * with {@code If-None-Match: *} succeeds only when no object has the key, and answers 412
 * Precondition Failed otherwise, atomically. This store turns a 412 into the
 * FileAlreadyExistsException that Delta's commit protocol expects, and retries S3's 409
 * ConditionalRequestConflict (two conditional writes to one key in flight at once), after which
 * the key either exists (412) or is free.
 *
 * <p>Reads and listings go through the Hadoop file system of the path (S3 is strongly
 * consistent), as in every Hadoop log store. S3 PUTs are atomic, so a partial commit is never
 * visible.
 *
 * <p>Settings (Spark confs reach the Hadoop configuration Delta passes here):
 * {@code spark.lakehouse.logStore.region} (else AWS_REGION, else the SDK's region chain). The
 * environment variables AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL name another S3 endpoint (an
 * S3-compatible server, addressed path-style). Credentials: the SDK's default chain (the Glue
 * job's role on AWS Glue).
 */
public class S3ConditionalPutLogStore extends HadoopFileSystemLogStore {
  static final String REGION_CONF = "spark.lakehouse.logStore.region";
  static final int CONFLICT_ATTEMPTS = 8;
  private static final Map<String, S3Client> CLIENTS = new ConcurrentHashMap<>();

  public S3ConditionalPutLogStore(Configuration initHadoopConf) {
    super(initHadoopConf);
  }

  @Override
  public void write(Path path, Iterator<String> actions, Boolean overwrite, Configuration hadoopConf)
      throws IOException {
    URI uri = path.toUri();
    String bucket = uri.getHost();
    String key = uri.getPath().replaceFirst("^/", "");
    if (bucket == null || key.isEmpty()) {
      throw new IOException("not an S3 object path: " + path);
    }
    StringBuilder body = new StringBuilder();
    actions.forEachRemaining(action -> body.append(action).append('\n'));
    byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
    PutObjectRequest.Builder request = PutObjectRequest.builder().bucket(bucket).key(key);
    if (!overwrite) {
      request.ifNoneMatch("*");
    }
    S3Client s3 = client(hadoopConf);
    for (int attempt = 1; ; attempt++) {
      try {
        s3.putObject(request.build(), RequestBody.fromBytes(bytes));
        return;
      } catch (S3Exception error) {
        if (error.statusCode() == 412) {
          throw new FileAlreadyExistsException(path.toString());
        }
        if (error.statusCode() != 409 || attempt >= CONFLICT_ATTEMPTS) {
          throw new IOException("writing " + path + " failed: " + error.getMessage(), error);
        }
        sleep(50L << Math.min(attempt, 6));
      }
    }
  }

  @Override
  public Boolean isPartialWriteVisible(Path path, Configuration hadoopConf) {
    return false;
  }

  static S3Client client(Configuration hadoopConf) {
    String region = hadoopConf.get(REGION_CONF, System.getenv("AWS_REGION"));
    String endpoint = System.getenv("AWS_ENDPOINT_URL_S3");
    if (endpoint == null || endpoint.isEmpty()) {
      endpoint = System.getenv("AWS_ENDPOINT_URL");
    }
    String chosenRegion = region;
    String chosenEndpoint = endpoint;
    return CLIENTS.computeIfAbsent(region + " " + endpoint, ignored -> build(chosenRegion, chosenEndpoint));
  }

  private static S3Client build(String region, String endpoint) {
    S3ClientBuilder builder =
        S3Client.builder()
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .region(
                region == null || region.isEmpty()
                    ? new DefaultAwsRegionProviderChain().getRegion()
                    : Region.of(region));
    if (endpoint != null && !endpoint.isEmpty()) {
      builder.endpointOverride(URI.create(endpoint)).forcePathStyle(true);
    }
    return builder.build();
  }

  private static void sleep(long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while retrying a conditional write", interrupted);
    }
  }
}
