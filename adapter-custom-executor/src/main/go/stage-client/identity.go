package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// The job's sandbox name, exactly as JobIdentity computes it: <prefix>-j<job id>-<12 hex of a SHA-256 over the
// length-prefixed GitLab instance, project id and job id>, from the runner's job response (JOB_RESPONSE_FILE), never
// from CUSTOM_ENV_* (a job controls those). Where JobIdentity's reading (Jackson's tree) and Go's could differ (a
// field of an unexpected type, a number beyond 64 bits, bytes that are not UTF-8) this refuses, and the JVM path
// decides: the two never name different sandboxes.
func sandboxName(responseFile, prefix string) (string, error) {
	if responseFile == "" {
		return "", errors.New("JOB_RESPONSE_FILE is not set")
	}
	data, err := os.ReadFile(responseFile)
	if err != nil {
		return "", err
	}
	if !utf8.Valid(data) {
		return "", errors.New("the job response is not UTF-8")
	}
	var response map[string]json.RawMessage
	if err := json.Unmarshal(data, &response); err != nil || response == nil {
		return "", errors.New("the job response is not a JSON object")
	}
	jobID, ok := integer(response["id"])
	if !ok || jobID <= 0 {
		return "", errors.New("the job response's id is not a positive whole number")
	}
	projectID, instance := "0", ""
	var info map[string]json.RawMessage
	if raw, present := response["job_info"]; present && isObject(raw) {
		if err := json.Unmarshal(raw, &info); err != nil {
			return "", err
		}
		if raw, present := info["project_id"]; present && isInteger(raw) {
			id, ok := integer(raw)
			if !ok {
				return "", errors.New("the job response's project_id is beyond 64 bits")
			}
			projectID = strconv.FormatInt(id, 10)
		}
		// instance_uuid, else instance_id, else "": as Jackson's asText(default), for the strings they are.
		instance, ok = text(info["instance_id"], "")
		if ok {
			instance, ok = text(info["instance_uuid"], instance)
		}
		if !ok {
			return "", errors.New("the job response's instance_uuid or instance_id is not a string")
		}
	} else if present && !isNull(raw) {
		return "", errors.New("the job response's job_info is not an object")
	}
	job := strconv.FormatInt(jobID, 10)
	return prefix + "-j" + job + "-" + digest(instance, projectID, job)[:12], nil
}

func digest(parts ...string) string {
	sha := sha256.New()
	for _, part := range parts {
		sha.Write([]byte(strconv.Itoa(len(part)) + ":" + part))
	}
	return hex.EncodeToString(sha.Sum(nil))
}

var integerLiteral = regexp.MustCompile(`^-?(0|[1-9][0-9]*)$`)

func isInteger(raw json.RawMessage) bool { return integerLiteral.Match(bytes.TrimSpace(raw)) }
func isObject(raw json.RawMessage) bool  { return bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) }
func isNull(raw json.RawMessage) bool    { return string(bytes.TrimSpace(raw)) == "null" }

// integer: a JSON integer that fits in 64 bits (Jackson: isIntegralNumber and canConvertToLong).
func integer(raw json.RawMessage) (int64, bool) {
	if raw == nil || !isInteger(raw) {
		return 0, false
	}
	value, err := strconv.ParseInt(string(bytes.TrimSpace(raw)), 10, 64)
	return value, err == nil
}

// text: a JSON string's value; fallback when absent or null; not ok for any other type.
func text(raw json.RawMessage, fallback string) (string, bool) {
	if raw == nil || isNull(raw) {
		return fallback, true
	}
	var value string
	if err := json.Unmarshal(raw, &value); err != nil {
		return "", false
	}
	return value, true
}

var prefixPattern = regexp.MustCompile(`^[a-z]([a-z0-9-]*[a-z0-9])?$`)

// validPrefix is DriverConfig.checkedPrefix's rule: a DNS-label start, at most 29 characters.
func validPrefix(prefix string) bool { return len(prefix) <= 29 && prefixPattern.MatchString(prefix) }
